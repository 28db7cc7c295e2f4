// The e-mails Tenantry sends to its customers, rendered as pure functions.
export { renderEmail } from "./render.ts";
export { PASSWORD_PLACEHOLDER, secretFieldsOf, withoutSecrets } from "./redaction.ts";
export { escapeHtml } from "./escape.ts";
export type {
  AccountLinkEmailInput,
  BillingSuspendedEmailInput,
  PaymentFailedEmailInput,
  CredentialsEmailInput,
  CustomDomainDisabledEmailInput,
  EmailLocale,
  EmailMessageInput,
  EmailPurpose,
  InstanceTerminatedEmailInput,
  OperatorNotificationEmailInput,
  RenderedEmail,
  TrialEndedEmailInput,
  TrialEndingEmailInput,
} from "./types.ts";
