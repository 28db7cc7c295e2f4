// Puts each message together from the copy: which paragraphs and fields, in which order. The
// same structure serves both languages, so they cannot drift apart.
import type { Block, EmailContent, Field } from "./content.ts";
import { formatLongDate } from "./dates.ts";
import { COPY, type Copy } from "./messages.ts";
import type { CustomerEmailInput, EmailLocale } from "./types.ts";

export function composeEmail(message: CustomerEmailInput, locale: EmailLocale): EmailContent {
  const copy = COPY[locale];
  const { subject, body } = composeBody(message, locale, copy);
  const blocks: Block[] = [paragraph(copy.greeting(message.firstName.trim())), ...body, paragraph(...copy.signOff)];
  return { locale, subject, blocks, labelSeparator: copy.labelSeparator };
}

function composeBody(message: CustomerEmailInput, locale: EmailLocale, copy: Copy): { subject: string; body: Block[] } {
  switch (message.purpose) {
    case "credentials": {
      const text = copy.credentials;
      const endDate = formatLongDate(message.trialEndsAt, locale);
      return {
        subject: message.resent ? text.resentSubject(message.company) : text.subject(message.company),
        body: [
          paragraph(message.resent ? text.resent(message.company) : text.ready(message.company)),
          paragraph(text.trial(message.plan, endDate)),
          {
            kind: "fields",
            fields: [
              { label: text.addressLabel, value: { kind: "link", url: message.appUrl } },
              { label: text.usernameLabel, value: { kind: "code", text: message.username } },
              { label: text.passwordLabel, value: { kind: "code", text: message.temporaryPassword, secret: true } },
            ],
          },
          paragraph(text.changePassword),
        ],
      };
    }
    case "trial-ending": {
      const text = copy.trialEnding;
      const endDate = formatLongDate(message.trialEndsAt, locale);
      return {
        subject: text.subject(message.company, message.daysLeft),
        body: [
          paragraph(text.ends(message.company, endDate, message.daysLeft)),
          paragraph(text.subscribe),
          { kind: "fields", fields: [{ label: text.addressLabel, value: { kind: "link", url: message.appUrl } }, ...accountField(message.accountUrl, copy)] },
        ],
      };
    }
    case "trial-ended": {
      const text = copy.trialEnded;
      const fields: Field[] = [
        ...(message.appUrl ? [{ label: text.addressLabel, value: { kind: "link" as const, url: message.appUrl } }] : []),
        ...accountField(message.accountUrl, copy),
      ];
      const address: Block[] = fields.length > 0 ? [{ kind: "fields", fields }] : [];
      return {
        subject: text.subject(message.company),
        body: [paragraph(text.suspended(message.company)), paragraph(text.dataKept, text.subscribe), ...address],
      };
    }
    case "instance-terminated": {
      const text = copy.instanceTerminated;
      return {
        subject: text.subject(message.company),
        body: [paragraph(text.deleted(message.company)), paragraph(text.thanks)],
      };
    }
    case "payment-failed": {
      const text = copy.paymentFailed;
      const endDate = formatLongDate(message.graceEndsAt, locale);
      const fields = [
        ...(message.payUrl ? [{ label: text.payLabel, value: { kind: "link" as const, url: message.payUrl } }] : []),
        ...(message.appUrl ? [{ label: text.addressLabel, value: { kind: "link" as const, url: message.appUrl } }] : []),
        ...accountField(message.accountUrl, copy),
      ];
      return {
        subject: message.last ? text.lastSubject(message.company, endDate) : text.subject(message.company),
        body: [paragraph(text.failed(message.company), text.grace(endDate)), paragraph(text.update), ...(fields.length > 0 ? [{ kind: "fields" as const, fields }] : [])],
      };
    }
    case "billing-suspended": {
      const text = copy.billingSuspended;
      return {
        subject: text.subject(message.company),
        body: [
          paragraph(message.reason === "unpaid" ? text.unpaid(message.company) : text.canceled(message.company)),
          paragraph(text.dataKept, text.resume),
          ...(message.accountUrl ? [{ kind: "fields" as const, fields: accountField(message.accountUrl, copy) }] : []),
        ],
      };
    }
    case "custom-domain-disabled": {
      const text = copy.customDomainDisabled;
      const since = formatLongDate(message.misconfiguredSince, locale);
      const fields: Field[] = [
        { label: text.recordLabel, value: { kind: "code", text: `${message.hostname} CNAME ${message.target}` } },
        ...(message.appUrl ? [{ label: text.addressLabel, value: { kind: "link" as const, url: message.appUrl } }] : []),
        ...accountField(message.accountUrl, copy),
      ];
      return {
        subject: text.subject(message.hostname),
        body: [
          paragraph(text.disabled(message.hostname, message.company, since, message.target), message.found ? text.found(message.found) : text.noRecord),
          paragraph(text.stillServed, text.fix),
          { kind: "fields", fields },
        ],
      };
    }
    case "account-link": {
      const text = copy.accountLink;
      return {
        subject: text.subject(message.company),
        body: [
          paragraph(text.intro(message.company)),
          { kind: "fields", fields: [{ label: text.linkLabel, value: { kind: "link", url: message.accountUrl } }] },
          paragraph(text.previous, text.notYou),
        ],
      };
    }
  }
}

/** The account page's link (a secret: redaction.ts cuts it from the kept copy), when there is one. */
function accountField(accountUrl: string | undefined, copy: Copy): Field[] {
  return accountUrl ? [{ label: copy.subscribeLink.label, value: { kind: "link", url: accountUrl } }] : [];
}

function paragraph(...lines: string[]): Block {
  return { kind: "paragraph", lines };
}
