// A real SMTP server on loopback (the smtp-server package), keeping what it receives, parsed with
// mailparser. It can be started on a chosen port, stopped and started again (SMTP down for a while).
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

export function smtpPeer(port: number, options: { rejectRecipient?: (address: string) => boolean } = {}): SmtpPeer {
  const received: ParsedMail[] = [];
  let server: SMTPServer | null = null;
  return {
    port,
    received,
    start() {
      server = new SMTPServer({
        authOptional: true,
        disabledCommands: ["STARTTLS"],
        logger: false,
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
              callback();
            })
            .catch(callback);
        },
      });
      return new Promise((resolve, reject) => {
        server!.once("error", reject);
        server!.listen(port, "127.0.0.1", () => resolve());
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
