// A tar archive holding one regular file, the body Docker's "PUT /containers/{id}/archive" takes
// (exec.ts uses it to hand a process its standard input). POSIX ustar: a 512-byte header, the
// content padded to 512 bytes, then two empty blocks.

const BLOCK = 512;

function octal(value: number, width: number): string {
  // width - 1 digits and a NUL, as tar readers expect.
  return `${value.toString(8).padStart(width - 1, "0")}\0`;
}

export function singleFileTar(name: string, content: Buffer, options: { mode: number; uid: number; gid: number; mtime: Date }): Buffer {
  if (Buffer.byteLength(name) > 99 || name.includes("/")) throw new RangeError("tar entry names here are plain names under 100 bytes");
  const header = Buffer.alloc(BLOCK, 0);
  header.write(name, 0, "utf8");
  header.write(octal(options.mode, 8), 100, "ascii");
  header.write(octal(options.uid, 8), 108, "ascii");
  header.write(octal(options.gid, 8), 116, "ascii");
  header.write(octal(content.length, 12), 124, "ascii");
  header.write(octal(Math.floor(options.mtime.getTime() / 1000), 12), 136, "ascii");
  header.write("        ", 148, "ascii"); // the checksum counts its own field as spaces
  header.write("0", 156, "ascii"); // regular file
  header.write("ustar\0", 257, "ascii");
  header.write("00", 263, "ascii");
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, "ascii");
  const padding = Buffer.alloc((BLOCK - (content.length % BLOCK)) % BLOCK, 0);
  return Buffer.concat([header, content, padding, Buffer.alloc(2 * BLOCK, 0)]);
}
