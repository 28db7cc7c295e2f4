// The Mailbox page's "Retry" form: which failed message to send again. An id that names no failed
// message is the model's to refuse (app/models/mailbox.server.ts); the schema only bounds it.
import { z } from "zod";

export const mailboxRetrySchema = z.object({ emailId: z.string().trim().min(1).max(100) });
export type MailboxRetryForm = z.output<typeof mailboxRetrySchema>;

/** The message's id, or null when the form carried none worth looking up. */
export function parseMailboxRetry(values: Record<string, string>): MailboxRetryForm | null {
  const result = mailboxRetrySchema.safeParse(values);
  return result.success ? result.data : null;
}
