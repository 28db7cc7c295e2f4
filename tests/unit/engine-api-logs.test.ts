// The Engine API's stdout/stderr framing, as both drivers read it (orchestrator/engine-api/logs.ts):
// frames split back into their streams in order, a character cut across two frames decoded whole,
// and output that is not framed (a container with a TTY) kept as it is.
import { describe, expect, it } from "vitest";
import { demultiplex } from "../../orchestrator/engine-api/logs.ts";

function frame(stream: 1 | 2, payload: Buffer | string): Buffer {
  const body = Buffer.isBuffer(payload) ? payload : Buffer.from(payload, "utf8");
  const header = Buffer.alloc(8);
  header.writeUInt8(stream, 0);
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

describe("demultiplex", () => {
  it("splits stdout and stderr, keeping the order they were written in", () => {
    const output = demultiplex(Buffer.concat([frame(1, "one\n"), frame(2, "oops\n"), frame(1, "two\n")]));
    expect(output).toEqual({ stdout: "one\ntwo\n", stderr: "oops\n", combined: "one\noops\ntwo\n" });
  });

  it("decodes a character split across two frames", () => {
    const e = Buffer.from("é", "utf8");
    const output = demultiplex(Buffer.concat([frame(1, Buffer.concat([Buffer.from("caf"), e.subarray(0, 1)])), frame(1, e.subarray(1))]));
    expect(output.stdout).toBe("café");
  });

  it("keeps unframed output (a TTY) as it is", () => {
    expect(demultiplex(Buffer.from("plain text from a tty\n")).combined).toBe("plain text from a tty\n");
  });
});
