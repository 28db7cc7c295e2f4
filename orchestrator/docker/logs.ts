// Container logs as text. Without a TTY the engine multiplexes stdout and stderr into frames
// (8-byte header: stream type, 3 zero bytes, big-endian length); we keep their order.
import type Dockerode from "dockerode";
import { dockerCall } from "./errors.ts";

export function demultiplex(buffer: Buffer): string {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const type = buffer.readUInt8(offset);
    const length = buffer.readUInt32BE(offset + 4);
    // Not a frame header: a TTY container's raw output. Keep the rest as it is.
    if (type > 2 || buffer.readUIntBE(offset + 1, 3) !== 0) break;
    parts.push(buffer.subarray(offset + 8, offset + 8 + length));
    offset += 8 + length;
  }
  parts.push(buffer.subarray(offset));
  return Buffer.concat(parts).toString("utf8");
}

export async function containerLogs(docker: Dockerode, id: string, name: string, tail: number): Promise<string> {
  const buffer = await dockerCall(`reading logs of container ${name}`, () =>
    docker.getContainer(id).logs({ stdout: true, stderr: true, tail, follow: false }),
  );
  return demultiplex(Buffer.isBuffer(buffer) ? buffer : Buffer.from(String(buffer)));
}
