// Doctor check of outgoing mail: with SMTP_URL, connect and log in (nothing is sent); without it,
// say that messages go to the development mailbox (`npm run mailbox`), which needs no server.
import { checkSmtp } from "../../orchestrator/index.ts";
import type { AppConfig } from "../config.server";
import { passed, problem, type DoctorCheck } from "./check";

export async function checkMail(config: AppConfig): Promise<DoctorCheck> {
  const url = config.mail.smtpUrl;
  if (!url) {
    return passed("smtp", `SMTP_URL is not set: email goes to the development mailbox in ${config.mail.devMailboxDir} (read it with \`npm run mailbox\`)`);
  }
  const report = await checkSmtp(url);
  if (!report.failure) return passed("smtp", `${report.description}: connected and logged in`);
  return problem(
    "smtp",
    `${report.description}: ${report.failure.message}`,
    /refused the user name or password/.test(report.failure.message)
      ? "Fix the user name and password in SMTP_URL (smtp://user:password@host:port; URL-encode special characters)."
      : /certificate/.test(report.failure.message)
        ? "Put in SMTP_URL the host name the server's certificate names, or start Tenantry with NODE_EXTRA_CA_CERTS=/path/to/ca.pem."
        : "Fix the host and port in SMTP_URL (smtps:// for port 465, smtp:// for 587 or 25), or check that the mail server runs and this host may reach it.",
  );
}
