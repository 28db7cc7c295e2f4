// A real SMTP server on loopback (the smtp-server package), keeping what it receives, parsed with
// mailparser. It can be started on a chosen port, stopped and started again (SMTP down for a while),
// answer DATA only after a stall (a slow server: the sender's lease must hold meanwhile), speak
// TLS from the first byte with a given certificate (smtps), and require a user name and password.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { simpleParser, type ParsedMail } from "mailparser";
import { SMTPServer } from "smtp-server";

export interface SmtpPeer {
  port: number;
  received: ParsedMail[];
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Waits until `count` messages have arrived. */
  waitFor(count: number, timeoutMs?: number): Promise<ParsedMail[]>;
}

export interface SmtpPeerOptions {
  rejectRecipient?: (address: string) => boolean;
  /** Milliseconds to wait, after a message has arrived (and is counted), before answering its DATA. */
  stallMs?: () => number;
  /** Speak TLS from the first byte (smtps) with this key and certificate. */
  tls?: { key: string; cert: string };
  /** Require this user name and password. */
  auth?: { user: string; pass: string };
}

export function smtpPeer(port: number, options: SmtpPeerOptions = {}): SmtpPeer {
  const received: ParsedMail[] = [];
  let server: SMTPServer | null = null;
  return {
    port,
    received,
    start() {
      server = new SMTPServer({
        authOptional: !options.auth,
        allowInsecureAuth: true,
        disabledCommands: options.auth ? ["STARTTLS"] : ["STARTTLS", "AUTH"],
        logger: false,
        ...(options.tls ? { secure: true, key: options.tls.key, cert: options.tls.cert } : {}),
        onAuth(auth, _session, callback) {
          if (options.auth && auth.username === options.auth.user && auth.password === options.auth.pass) {
            return callback(null, { user: auth.username });
          }
          callback(Object.assign(new Error("Authentication credentials invalid"), { responseCode: 535 }));
        },
        onRcptTo(address, _session, callback) {
          if (options.rejectRecipient?.(address.address)) {
            const error = Object.assign(new Error("mailbox unavailable"), { responseCode: 550 });
            return callback(error);
          }
          callback();
        },
        onData(stream, _session, callback) {
          simpleParser(stream)
            .then((mail) => {
              received.push(mail);
              const stall = options.stallMs?.() ?? 0;
              if (stall > 0) setTimeout(() => callback(), stall);
              else callback();
            })
            .catch(callback);
        },
      });
      return new Promise((resolve, reject) => {
        server!.once("error", reject);
        server!.listen(port, "127.0.0.1", () => {
          server!.off("error", reject);
          // A client that gives up (a certificate it does not trust) is that client's error, not ours.
          server!.on("error", () => undefined);
          resolve();
        });
      });
    },
    stop() {
      return new Promise((resolve) => (server ? server.close(() => resolve()) : resolve()));
    },
    async waitFor(count, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        if (Date.now() > deadline) throw new Error(`only ${received.length} of ${count} messages arrived`);
        await new Promise((r) => setTimeout(r, 100));
      }
      return received;
    },
  };
}

/** A fresh self-signed certificate for `localhost` and 127.0.0.1 (made with openssl, valid one day). */
export function selfSignedCertificate(): { key: string; cert: string } {
  const dir = mkdtempSync(path.join(tmpdir(), "tenantry-smtp-cert-"));
  try {
    execFileSync(
      "openssl",
      [
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        "-keyout", path.join(dir, "key.pem"), "-out", path.join(dir, "cert.pem"),
        "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
      ],
      { stdio: "ignore" },
    );
    return { key: readFileSync(path.join(dir, "key.pem"), "utf8"), cert: readFileSync(path.join(dir, "cert.pem"), "utf8") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
