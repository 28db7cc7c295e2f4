// After delivery the outbox keeps a copy of each message for the record, but not the temporary
// password: it re-renders the message from `withoutSecrets(input)` and can check, with
// `secretFieldsOf(input)`, that none of the secret values is left in what it stores.
import type { EmailMessageInput } from "./types.ts";

/** Shown instead of the password in a kept copy of a credentials message. */
export const PASSWORD_PLACEHOLDER = "••••••••";

/** The trial, billing and custom-domain emails that may carry the account page's link (its token is the key to the page). */
const LINKED: ReadonlySet<EmailMessageInput["purpose"]> = new Set(["trial-ending", "trial-ended", "payment-failed", "billing-suspended", "custom-domain-disabled"]);

/** The same message with every secret replaced by a placeholder. */
export function withoutSecrets<T extends EmailMessageInput>(input: T): T {
  if (input.purpose === "account-link") return { ...input, accountUrl: PASSWORD_PLACEHOLDER };
  if (LINKED.has(input.purpose) && "accountUrl" in input && input.accountUrl) return { ...input, accountUrl: PASSWORD_PLACEHOLDER };
  if (input.purpose !== "credentials") return input;
  return { ...input, temporaryPassword: PASSWORD_PLACEHOLDER };
}

/**
 * The secret values a message carries (the temporary password, the account page's link), so a caller can verify
 * they are absent from what it stores. An empty value or the placeholder is no secret: checking
 * for it would match everywhere or always fail.
 */
export function secretFieldsOf(input: EmailMessageInput): string[] {
  // The account link carries the page's token: cut out of the copy kept after delivery.
  if (input.purpose === "account-link") return input.accountUrl === "" || input.accountUrl === PASSWORD_PLACEHOLDER ? [] : [input.accountUrl];
  if (LINKED.has(input.purpose) && "accountUrl" in input) {
    const url = input.accountUrl;
    return !url || url === PASSWORD_PLACEHOLDER ? [] : [url];
  }
  if (input.purpose !== "credentials") return [];
  const password = input.temporaryPassword;
  return password === "" || password === PASSWORD_PLACEHOLDER ? [] : [password];
}
