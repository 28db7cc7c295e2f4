// Docker's multiplexed output (logs and exec of a container without a TTY), as the proxy passes it
// on unchanged: frames of an 8-byte header (stream 1 stdout or 2 stderr, 3 zero bytes, big-endian
// length) and the payload. Output that is not framed (a TTY container) is kept as it is.

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
