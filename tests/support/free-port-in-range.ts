// A free TCP port on 127.0.0.1 within a helper's own range (parallel test files of different
// helpers each keep to their range): the first one a plain bind succeeds on, from a random start.
import { createServer } from "node:net";

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

export async function portInRange(first: number, last: number): Promise<number> {
  const size = last - first + 1;
  const start = Math.floor(Math.random() * size);
  for (let i = 0; i < size; i++) {
    const port = first + ((start + i) % size);
    if (await bindable(port)) return port;
  }
  throw new Error(`no free port between ${first} and ${last}: stop what holds them, or give another range`);
}
