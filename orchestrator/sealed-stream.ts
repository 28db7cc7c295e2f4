// The streamed sealing shared by Tenantry's backup files (the portal's database backups and the
// tenants' backups): a preamble in clear (magic and a JSON header naming the salt, iv and key
// fingerprint), the AES-256-GCM ciphertext of what flows through with that preamble as additional
// authenticated data, the 16-byte tag, then a SHA-256 of everything before it, so that damage is
// named as damage before any key is tried. Each format derives its own file key (HKDF with its own
// label and salt) and reads its files back itself.
import { createCipheriv, createHash } from "node:crypto";
import { Transform } from "node:stream";

/** A transform writing `preamble`, the ciphertext of what flows through, the GCM tag and the checksum. */
export function sealingTransform(fileKey: Buffer, iv: Buffer, preamble: Buffer): Transform {
  const cipher = createCipheriv("aes-256-gcm", fileKey, iv);
  cipher.setAAD(preamble);
  const hash = createHash("sha256");
  let started = false;
  const emit = (self: Transform, chunk: Buffer) => {
    if (chunk.length === 0) return;
    hash.update(chunk);
    self.push(chunk);
  };
  const start = (self: Transform) => {
    if (!started) emit(self, preamble);
    started = true;
  };
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      start(this);
      emit(this, cipher.update(chunk));
      done();
    },
    flush(done) {
      start(this);
      emit(this, cipher.final());
      emit(this, cipher.getAuthTag());
      this.push(hash.digest());
      done();
    },
  });
}
