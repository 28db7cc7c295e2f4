// What the orchestrator asks to send, and what it gets back. Inputs carry raw customer values
// (never pre-escaped): each output part applies the encoding its medium needs.

export type EmailLocale = "en" | "fr";

interface Recipient {
  readonly firstName: string;
  readonly company: string;
}

/** The instance is ready (or, with `resent`, new credentials replace the previous ones). */
export interface CredentialsEmailInput extends Recipient {
  readonly purpose: "credentials";
  readonly plan: string;
  readonly trialEndsAt: Date;
  readonly appUrl: string;
  readonly username: string;
  /** Secret: see `withoutSecrets` before keeping a copy of the message. */
  readonly temporaryPassword: string;
  readonly resent?: boolean;
}

export interface TrialEndingEmailInput extends Recipient {
  readonly purpose: "trial-ending";
  readonly trialEndsAt: Date;
  readonly daysLeft: number;
  readonly appUrl: string;
  /** Secret (the account page's token; see `withoutSecrets`): a link to subscribe from the account page; absent when the portal's address is not set. */
  readonly accountUrl?: string;
}

/** The trial is over and the instance suspended; its data is kept for a while. */
export interface TrialEndedEmailInput extends Recipient {
  readonly purpose: "trial-ended";
  readonly appUrl?: string;
  /** Secret (the account page's token; see `withoutSecrets`): a link to subscribe from the account page; absent when the portal's address is not set. */
  readonly accountUrl?: string;
}

/** The instance and its data have been deleted. */
export interface InstanceTerminatedEmailInput extends Recipient {
  readonly purpose: "instance-terminated";
}

/** "Send me my link" (issue 12): a fresh link to the account page; the link is the key to it (secret). */
export interface AccountLinkEmailInput extends Recipient {
  readonly purpose: "account-link";
  readonly accountUrl: string;
}

/**
 * Billing (issue 12): a payment failed; the instance keeps running until `graceEndsAt`, then is
 * suspended. Sent when the payment fails and again shortly before the grace ends (`last`).
 */
export interface PaymentFailedEmailInput extends Recipient {
  readonly purpose: "payment-failed";
  readonly graceEndsAt: Date;
  readonly last: boolean;
  /** Stripe's page for paying the invoice, when the event gave it. */
  readonly payUrl?: string;
  readonly appUrl?: string;
  /** Secret (the account page's token; see `withoutSecrets`): a link to subscribe from the account page; absent when the portal's address is not set. */
  readonly accountUrl?: string;
}

/** Billing (issue 12): the instance is suspended, its grace over unpaid or its subscription ended. */
export interface BillingSuspendedEmailInput extends Recipient {
  readonly purpose: "billing-suspended";
  readonly reason: "unpaid" | "canceled";
  /** Secret (the account page's token; see `withoutSecrets`): a link to subscribe from the account page; absent when the portal's address is not set. */
  readonly accountUrl?: string;
}

/**
 * Custom domains (issue 14): an active domain's DNS record pointed elsewhere (or vanished) for the
 * whole grace period, so the domain is disabled; it is enabled again by itself once the record is fixed.
 */
export interface CustomDomainDisabledEmailInput extends Recipient {
  readonly purpose: "custom-domain-disabled";
  readonly hostname: string;
  /** What the record must point at (the CNAME's target). */
  readonly target: string;
  /** When a check first saw the record pointing elsewhere. */
  readonly misconfiguredSince: Date;
  /** What the last check found instead (a CNAME or addresses); absent when the name has no record. */
  readonly found?: string;
  readonly appUrl?: string;
  /** Secret (the account page's token; see `withoutSecrets`): the account page, where the domain's card is; absent when the portal's address is not set. */
  readonly accountUrl?: string;
}

/** An alert or report for the vendor's operators, already worded in their language (operator-notification.ts). */
export interface OperatorNotificationEmailInput {
  readonly purpose: "operator-notification";
  readonly vendorName: string;
  readonly notificationId: string;
  readonly severity: "info" | "warning" | "critical";
  readonly title: string;
  readonly text: string;
  readonly fields: readonly { readonly label: string; readonly value: string }[];
}

/** The messages to customers (greeted by name, signed by the team: compose.ts). */
export type CustomerEmailInput =
  | CredentialsEmailInput
  | TrialEndingEmailInput
  | TrialEndedEmailInput
  | InstanceTerminatedEmailInput
  | AccountLinkEmailInput
  | PaymentFailedEmailInput
  | BillingSuspendedEmailInput
  | CustomDomainDisabledEmailInput;

export type EmailMessageInput = CustomerEmailInput | OperatorNotificationEmailInput;

export type EmailPurpose = EmailMessageInput["purpose"];

export interface RenderedEmail {
  /** One line of plain text, safe to put in a header. */
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}
