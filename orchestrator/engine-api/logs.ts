// Container output as text. Without a TTY the engine multiplexes stdout and stderr (logs, and exec
// output) into frames: an 8-byte header (stream 1 stdout or 2 stderr, 3 zero bytes, big-endian
// length) and the payload. Output that is not framed (a TTY container) is kept as it is.
import { serviceContainer } from "./containers.ts";
import type { EngineApi } from "./engine.ts";

export interface Demultiplexed {
  stdout: string;
  stderr: string;
  /** Both streams in the order they were written. */
  combined: string;
}

export function demultiplex(buffer: Buffer): Demultiplexed {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const all: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const type = buffer.readUInt8(offset);
    // Not a frame header: a TTY container's raw output. Keep the rest as it is.
    if (type > 2 || buffer.readUIntBE(offset + 1, 3) !== 0) break;
    const length = buffer.readUInt32BE(offset + 4);
    const payload = buffer.subarray(offset + 8, offset + 8 + length);
    (type === 2 ? err : out).push(payload);
    all.push(payload);
    offset += 8 + length;
  }
  const rest = buffer.subarray(offset);
  out.push(rest);
  all.push(rest);
  // Joined before decoding, so that a character split across two frames comes out whole.
  return {
    stdout: Buffer.concat(out).toString("utf8"),
    stderr: Buffer.concat(err).toString("utf8"),
    combined: Buffer.concat(all).toString("utf8"),
  };
}

/** A container's last `tail` lines, stdout and stderr interleaved. */
export async function containerLogText(engine: EngineApi, container: { id: string; name: string }, tail: number): Promise<string> {
  return demultiplex(await engine.containerLogs(container.id, container.name, tail)).combined;
}

/** The last lines of a service's logs (the StackDriver's `logs`). */
export async function serviceLogs(engine: EngineApi, project: string, service: string, tail: number): Promise<string> {
  return containerLogText(engine, await serviceContainer(engine, project, service), tail);
}
