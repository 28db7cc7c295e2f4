// Reads a password typed on the terminal without showing it: the terminal is switched to raw mode
// (no echo) while the line is typed, and restored afterwards, also on Ctrl-C. Without a terminal
// (a pipe), the first line of standard input is read as it is.
import { createInterface } from "node:readline/promises";

export async function readHiddenLine(prompt: string): Promise<string> {
  const input = process.stdin;
  if (!input.isTTY) {
    const rl = createInterface({ input, terminal: false });
    process.stdout.write(prompt);
    const line = await new Promise<string>((resolve) => {
      rl.once("line", resolve);
      rl.once("close", () => resolve(""));
    });
    rl.close();
    return line;
  }
  process.stdout.write(prompt);
  input.setRawMode(true);
  input.resume();
  input.setEncoding("utf8");
  try {
    return await new Promise<string>((resolve, reject) => {
      let typed = "";
      const onData = (chunk: string) => {
        for (const char of chunk) {
          if (char === "\r" || char === "\n" || char === "\u0004") {
            input.off("data", onData);
            return resolve(typed);
          }
          if (char === "\u0003") {
            input.off("data", onData);
            return reject(new Error("cancelled (Ctrl-C)"));
          }
          if (char === "\u007f" || char === "\b") typed = typed.slice(0, -1);
          else if (char >= " ") typed += char;
        }
      };
      input.on("data", onData);
    });
  } finally {
    input.setRawMode(false);
    input.pause();
    process.stdout.write("\n");
  }
}
