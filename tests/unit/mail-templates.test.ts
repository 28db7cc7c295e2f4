import { describe, expect, it } from "vitest";
import {
  escapeHtml,
  PASSWORD_PLACEHOLDER,
  renderEmail,
  secretFieldsOf,
  withoutSecrets,
  type CredentialsEmailInput,
  type EmailLocale,
  type EmailMessageInput,
  type RenderedEmail,
} from "../../orchestrator/mail/templates/index.ts";

const LOCALES: EmailLocale[] = ["en", "fr"];
const TRIAL_END = new Date("2026-12-21T23:30:00Z"); // late in the day: a local time zone would shift it
const DATE_TEXT: Record<EmailLocale, string> = { en: "21 December 2026", fr: "21 décembre 2026" };

const credentials: CredentialsEmailInput = {
  purpose: "credentials",
  firstName: "Ada",
  company: "Acme",
  plan: "Business",
  trialEndsAt: TRIAL_END,
  appUrl: "https://acme.tenantry.example/login",
  username: "ada.admin",
  temporaryPassword: "Xq7-vB2p_Lm9",
};

const HOSTILE_NAME = "<script>alert(1)</script>";
const HOSTILE_COMPANY = `L'Élan "Société" & Fils <b>`;
const HOSTILE_COMPANY_HTML = "L&#39;Élan &quot;Société&quot; &amp; Fils &lt;b&gt;";

/** Every message kind, with the given names. */
function everyPurpose(firstName: string, company: string): EmailMessageInput[] {
  return [
    { ...credentials, firstName, company },
    { ...credentials, firstName, company, resent: true },
    { purpose: "trial-ending", firstName, company, trialEndsAt: TRIAL_END, daysLeft: 3, appUrl: credentials.appUrl },
    { purpose: "trial-ended", firstName, company, appUrl: credentials.appUrl },
    { purpose: "trial-ended", firstName, company },
    { purpose: "instance-terminated", firstName, company },
  ];
}

function hrefsOf(html: string): string[] {
  return [...html.matchAll(/href\s*=\s*"([^"]*)"/gi)].map((match) => match[1] ?? "");
}

function allParts(email: RenderedEmail): string {
  return [email.subject, email.text, email.html].join("\n");
}

describe("mail templates: content", () => {
  it.each(LOCALES)("credentials (%s) give the address, username, password, plan and trial end in every part", (locale) => {
    const email = renderEmail(credentials, locale);
    expect(email.subject).toBe(locale === "en" ? "Your instance for Acme is ready" : "Votre instance pour Acme est prête");
    for (const part of [email.text, email.html]) {
      expect(part).toContain(locale === "en" ? "Hello Ada," : "Bonjour Ada,");
      expect(part).toContain("Business");
      expect(part).toContain(DATE_TEXT[locale]);
      expect(part).toContain("ada.admin");
      expect(part).toContain("Xq7-vB2p_Lm9");
      expect(part).toContain(credentials.appUrl);
      expect(part).toContain(locale === "en" ? "change this password" : "changez ce mot de passe");
      expect(part).toContain(locale === "en" ? "Best regards," : "Cordialement,");
    }
    expect(email.text).toContain(locale === "en" ? "Temporary password: Xq7-vB2p_Lm9\n" : "Mot de passe temporaire\u00a0: Xq7-vB2p_Lm9\n");
    expect(email.text).toContain(locale === "en" ? "Username: ada.admin\n" : "Identifiant\u00a0: ada.admin\n");
    // A link in HTML, the password in monospace and set apart from the username.
    expect(hrefsOf(email.html)).toEqual([credentials.appUrl]);
    const password = /<code[^>]*style="([^"]*)"[^>]*>Xq7-vB2p_Lm9<\/code>/.exec(email.html);
    const username = /<code[^>]*style="([^"]*)"[^>]*>ada\.admin<\/code>/.exec(email.html);
    expect(password?.[1]).toMatch(/monospace/);
    expect(password?.[1]).not.toBe(username?.[1]);
    expect(email.html).not.toContain(locale === "en" ? "no longer works" : "ne fonctionne plus");
  });

  it.each(LOCALES)("resent credentials (%s) say the previous password no longer works", (locale) => {
    const email = renderEmail({ ...credentials, resent: true }, locale);
    expect(email.subject).toBe(locale === "en" ? "New login details for your instance for Acme" : "Nouveaux identifiants de votre instance pour Acme");
    const notice = locale === "en" ? "The previous password no longer works." : "L’ancien mot de passe ne fonctionne plus.";
    expect(email.text).toContain(notice);
    expect(email.html).toContain(escapeHtml(notice));
    expect(email.text).toContain("Xq7-vB2p_Lm9");
  });

  it("writes dates in the reader's language, in UTC, and the first of the month the French way", () => {
    const march = { ...credentials, trialEndsAt: new Date("2027-03-01T00:15:00Z") };
    expect(renderEmail(march, "en").text).toContain("1 March 2027");
    expect(renderEmail(march, "fr").text).toContain("1er mars 2027");
    expect(() => renderEmail({ ...credentials, trialEndsAt: new Date("nope") }, "en")).toThrow(RangeError);
  });

  it.each(LOCALES)("trial-ending (%s) gives the end date, the delay and the address", (locale) => {
    const email = renderEmail({ purpose: "trial-ending", firstName: "Ada", company: "Acme", trialEndsAt: TRIAL_END, daysLeft: 3, appUrl: credentials.appUrl }, locale);
    expect(email.subject).toBe(locale === "en" ? "Your trial for Acme ends in 3 days" : "Votre essai pour Acme se termine dans 3 jours");
    for (const part of [email.text, email.html]) {
      expect(part).toContain(DATE_TEXT[locale]);
      expect(part).toContain(locale === "en" ? "in 3 days" : "dans 3 jours");
      expect(part).toContain(credentials.appUrl);
    }
    expect(hrefsOf(email.html)).toEqual([credentials.appUrl]);
    const tomorrow = renderEmail({ purpose: "trial-ending", firstName: "Ada", company: "Acme", trialEndsAt: TRIAL_END, daysLeft: 1, appUrl: credentials.appUrl }, locale);
    expect(tomorrow.subject).toBe(locale === "en" ? "Your trial for Acme ends tomorrow" : "Votre essai pour Acme se termine demain");
  });

  it.each(LOCALES)("trial-ended (%s) says the instance is suspended, the data kept, and how to resume", (locale) => {
    const email = renderEmail({ purpose: "trial-ended", firstName: "Ada", company: "Acme", appUrl: credentials.appUrl }, locale);
    expect(email.subject).toBe(locale === "en" ? "Your trial for Acme has ended" : "Votre essai pour Acme est terminé");
    for (const part of [email.text, email.html]) {
      expect(part).toContain(locale === "en" ? "is now suspended" : "est désormais suspendue");
      expect(part).toContain(locale === "en" ? "Your data is kept" : "Vos données sont conservées");
      expect(part).toContain(locale === "en" ? "Subscribe to a plan" : "Souscrivez un abonnement");
      expect(part).toContain(credentials.appUrl);
    }
    const withoutAddress = renderEmail({ purpose: "trial-ended", firstName: "Ada", company: "Acme" }, locale);
    expect(withoutAddress.text).not.toContain("https://");
    expect(hrefsOf(withoutAddress.html)).toEqual([]);
  });

  it.each(LOCALES)("instance-terminated (%s) says the instance and its data were deleted", (locale) => {
    const email = renderEmail({ purpose: "instance-terminated", firstName: "Ada", company: "Acme" }, locale);
    expect(email.subject).toBe(locale === "en" ? "Your instance for Acme has been deleted" : "Votre instance pour Acme a été supprimée");
    for (const part of [email.text, email.html]) {
      expect(part).toContain(locale === "en" ? "Hello Ada," : "Bonjour Ada,");
      expect(part).toContain(locale === "en" ? "and all its data have been permanently deleted" : "et toutes ses données ont été définitivement supprimées");
    }
  });

  it.each(LOCALES)("HTML (%s) is one self-contained, accessible document", (locale) => {
    for (const message of everyPurpose("Ada", "Acme")) {
      const { subject, html } = renderEmail(message, locale);
      expect(html).toMatch(/^<!DOCTYPE html>\n<html lang="(en|fr)"/);
      expect(html).toContain(`<html lang="${locale}"`);
      expect(html).toContain(`<title>${escapeHtml(subject)}</title>`);
      expect(html).toContain('<meta charset="utf-8">');
      // No external resource: no stylesheet, script, image or remote URL other than the links.
      expect(html).not.toMatch(/<(link|script|img|style|iframe)\b/i);
      expect(html).not.toMatch(/\bsrc\s*=/i);
      for (const href of hrefsOf(html)) expect(href).toBe(credentials.appUrl);
      expect(html.trimEnd()).toMatch(/<\/html>$/);
    }
  });

  it("greets without a name when the first name is blank", () => {
    expect(renderEmail({ purpose: "instance-terminated", firstName: "  ", company: "Acme" }, "en").text).toMatch(/^Hello,\n/);
    expect(renderEmail({ purpose: "instance-terminated", firstName: "", company: "Acme" }, "fr").text).toMatch(/^Bonjour,\n/);
  });
});

describe("mail templates: hostile values", () => {
  it("escapes & < > \" ' and backticks", () => {
    expect(escapeHtml(`<a href="x" title='y'>&amp;\`</a>`)).toBe("&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&#96;&lt;/a&gt;");
    expect(escapeHtml("Élan, déjà vu ••")).toBe("Élan, déjà vu ••");
  });

  it.each(LOCALES)("escapes customer values in HTML and keeps them verbatim in text (%s)", (locale) => {
    for (const message of everyPurpose(HOSTILE_NAME, HOSTILE_COMPANY)) {
      const email = renderEmail(message, locale);
      expect(email.html).not.toMatch(/<script/i);
      expect(email.html).not.toContain("<b>");
      expect(email.html).not.toContain(HOSTILE_COMPANY);
      expect(email.html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
      expect(email.html).toContain(HOSTILE_COMPANY_HTML);
      expect(email.text).toContain(HOSTILE_NAME);
      expect(email.text).toContain(HOSTILE_COMPANY);
      expect(email.text).not.toContain("&lt;");
      expect(email.text).not.toContain("&amp;");
      // The subject is plain text: the company as typed, not escaped.
      expect(email.subject).toContain(HOSTILE_COMPANY);
      expect(email.html).toContain(`<title>${escapeHtml(email.subject)}</title>`);
    }
  });

  it("escapes the username, the password and the address, in HTML only", () => {
    const message: CredentialsEmailInput = {
      ...credentials,
      username: `"><img src=x onerror=alert(1)>`,
      temporaryPassword: `a<b>&'"c`,
      appUrl: `https://acme.example/?q="><script>x</script>&a=1`,
    };
    const email = renderEmail(message, "en");
    expect(email.html).not.toMatch(/<img|<script|<b>/i);
    expect(email.html).toContain("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;");
    expect(email.html).toContain("a&lt;b&gt;&amp;&#39;&quot;c");
    // The href stays inside its quotes: the parser percent-encodes the quote and the brackets.
    const hrefs = hrefsOf(email.html);
    expect(hrefs).toHaveLength(1);
    expect(hrefs[0]).toBe("https://acme.example/?q=%22%3E%3Cscript%3Ex%3C/script%3E&amp;a=1");
    expect(email.text).toContain(`Username: ${message.username}\n`);
    expect(email.text).toContain(`Temporary password: ${message.temporaryPassword}\n`);
    expect(email.text).toContain(`Address: ${message.appUrl}\n`);
  });

  it.each(LOCALES)("never lets CR or LF into a subject (%s)", (locale) => {
    const company = "Acme\r\nBcc: victim@example.com\nX-Injected: 1\u2028\u0085";
    for (const message of everyPurpose("Ada\r\n", company)) {
      const { subject, html } = renderEmail(message, locale);
      expect(subject).not.toMatch(/[\r\n\u0085\u2028\u2029]/);
      expect(subject).toContain("Acme Bcc: victim@example.com X-Injected: 1");
      expect(subject).not.toMatch(/\s$/);
      expect(html).toMatch(/<title>[^\r\n<]*<\/title>/);
    }
  });

  it.each([
    "javascript:alert(document.cookie)",
    "JavaScript:alert(1)",
    " java\tscript:alert(1)",
    "\u0001javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "//evil.example/path",
    "acme.tenantry.example",
  ])("never turns %j into an href", (appUrl) => {
    const messages: EmailMessageInput[] = [
      { ...credentials, appUrl },
      { purpose: "trial-ending", firstName: "Ada", company: "Acme", trialEndsAt: TRIAL_END, daysLeft: 3, appUrl },
      { purpose: "trial-ended", firstName: "Ada", company: "Acme", appUrl },
    ];
    for (const message of messages) {
      for (const locale of LOCALES) {
        const email = renderEmail(message, locale);
        expect(hrefsOf(email.html)).toEqual([]);
        expect(email.html).not.toMatch(/<a\b/i);
        expect(email.html).not.toMatch(/<script/i);
        // Still shown, as text, so the reader knows what was configured.
        expect(email.html).toContain(escapeHtml(appUrl));
        expect(email.text).toContain(appUrl);
      }
    }
  });

  it("links http as well as https addresses", () => {
    const email = renderEmail({ ...credentials, appUrl: "http://localhost:8081/" }, "en");
    expect(hrefsOf(email.html)).toEqual(["http://localhost:8081/"]);
  });
});

describe("mail templates: redaction", () => {
  it("lists the secret values of a message", () => {
    expect(secretFieldsOf(credentials)).toEqual(["Xq7-vB2p_Lm9"]);
    expect(secretFieldsOf({ ...credentials, temporaryPassword: "" })).toEqual([]);
    expect(secretFieldsOf(withoutSecrets(credentials))).toEqual([]);
    for (const message of everyPurpose("Ada", "Acme").filter((m) => m.purpose !== "credentials")) {
      expect(secretFieldsOf(message)).toEqual([]);
      expect(withoutSecrets(message)).toBe(message);
    }
  });

  it.each(LOCALES)("removes the password from the subject, text and HTML, and nothing else (%s)", (locale) => {
    for (const message of [credentials, { ...credentials, resent: true }, { ...credentials, temporaryPassword: `p&ss<w>"rd'` }]) {
      const secrets = secretFieldsOf(message);
      expect(secrets).toHaveLength(1);
      const full = renderEmail(message, locale);
      const kept = renderEmail(withoutSecrets(message), locale);
      for (const secret of secrets) {
        expect(allParts(full).includes(secret) || full.html.includes(escapeHtml(secret))).toBe(true); // the check can fail
        expect(allParts(kept)).not.toContain(secret);
        expect(kept.html).not.toContain(escapeHtml(secret));
      }
      expect(kept.text).toContain(PASSWORD_PLACEHOLDER);
      expect(kept.html).toContain(PASSWORD_PLACEHOLDER);
      // Everything else is unchanged.
      expect(kept.subject).toBe(full.subject);
      expect(kept.text).toContain("ada.admin");
      expect(kept.html).toContain(credentials.appUrl);
      expect(kept.text.replace(PASSWORD_PLACEHOLDER, "")).toBe(full.text.replace(message.temporaryPassword, ""));
    }
    // The input itself is left alone.
    expect(credentials.temporaryPassword).toBe("Xq7-vB2p_Lm9");
  });
});

describe("mail templates: operator notifications", () => {
  const alert = {
    purpose: "operator-notification",
    vendorName: "Acme Cloud",
    notificationId: "0b7c-42",
    severity: "critical",
    title: "Provisioning failed: acme-1",
    text: "The provisioning of acme-1 failed for good.\nRetry it from the console.",
    fields: [{ label: "Reason", value: `<img src=x onerror="alert(1)"> & co` }],
  } as const;

  it.each(LOCALES)("frame the notification's own wording (%s): subject with the vendor and severity, fields, footer", (locale) => {
    const email = renderEmail(alert, locale);
    expect(email.subject).toBe(locale === "en" ? "[Acme Cloud] Alert: Provisioning failed: acme-1" : "[Acme Cloud] Alerte\u00a0: Provisioning failed: acme-1");
    expect(email.text).toContain(locale === "en" ? "Hello,\n\nThe provisioning of acme-1 failed for good.\nRetry it from the console." : "Bonjour,\n\n");
    expect(email.text).toContain(locale === "en" ? `Reason: <img src=x onerror="alert(1)"> & co` : `Reason\u00a0: <img src=x onerror="alert(1)"> & co`);
    expect(email.text).toContain(
      locale === "en" ? "You receive this message as an operator of Acme Cloud. Notification 0b7c-42." : "Vous recevez ce message en tant qu’opérateur de la plateforme Acme Cloud.",
    );
    expect(email.html).toContain(`lang="${locale}"`);
    expect(email.html).toContain("&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; co");
    expect(email.html).not.toContain("<img");
    // No customer greeting or signature: operators are not greeted by a first name.
    expect(email.text).not.toMatch(/Best regards|Cordialement/);
  });

  it("says nothing of severity for a report, and leaves out an empty field list", () => {
    const email = renderEmail({ ...alert, severity: "info", title: "Weekly report", fields: [] }, "en");
    expect(email.subject).toBe("[Acme Cloud] Weekly report");
    expect(email.html).not.toContain("border:1px solid #d0d7de");
  });
});

describe("mail templates: the account page's link in trial and billing emails (issue 12)", () => {
  const ACCOUNT_URL = "https://trial.vendor.example/trial/tok_Secret-123";
  const LABEL: Record<EmailLocale, string> = {
    en: "Subscribe / manage my subscription from your account page",
    fr: "Souscrire / gérer mon abonnement depuis votre espace client",
  };
  function linked(accountUrl?: string): EmailMessageInput[] {
    const link = accountUrl ? { accountUrl } : {};
    return [
      { purpose: "trial-ending", firstName: "Ada", company: "Acme", trialEndsAt: TRIAL_END, daysLeft: 7, appUrl: credentials.appUrl, ...link },
      { purpose: "trial-ended", firstName: "Ada", company: "Acme", appUrl: credentials.appUrl, ...link },
      { purpose: "trial-ended", firstName: "Ada", company: "Acme", ...link },
      { purpose: "payment-failed", firstName: "Ada", company: "Acme", graceEndsAt: TRIAL_END, last: false, ...link },
      { purpose: "payment-failed", firstName: "Ada", company: "Acme", graceEndsAt: TRIAL_END, last: true, payUrl: "https://invoice.stripe.com/i/x", ...link },
      { purpose: "billing-suspended", firstName: "Ada", company: "Acme", reason: "unpaid", ...link },
      { purpose: "billing-suspended", firstName: "Ada", company: "Acme", reason: "canceled", ...link },
    ];
  }

  it.each(LOCALES)("shows the link under its label in the text and as a link in HTML (%s)", (locale) => {
    for (const message of linked(ACCOUNT_URL)) {
      const email = renderEmail(message, locale);
      expect(email.text, message.purpose).toContain(`${LABEL[locale]}`);
      expect(email.text).toContain(ACCOUNT_URL);
      expect(email.html).toContain(escapeHtml(LABEL[locale]));
      expect(hrefsOf(email.html)).toContain(ACCOUNT_URL);
      expect(email.subject).not.toContain(ACCOUNT_URL);
    }
  });

  it.each(LOCALES)("without PORTAL_URL the emails are as before: no label, no link (%s)", (locale) => {
    for (const message of linked()) {
      const email = renderEmail(message, locale);
      expect(email.text, message.purpose).not.toContain(LABEL[locale]);
      expect(email.html).not.toContain(escapeHtml(LABEL[locale]));
      expect(hrefsOf(email.html).some((href) => href.includes("/trial/"))).toBe(false);
    }
    // Everything else of the message is the same with and without the link.
    for (const [withLink, without] of linked(ACCOUNT_URL).map((m, i) => [m, linked()[i]!] as const)) {
      const a = renderEmail(withLink, locale);
      const b = renderEmail(without, locale);
      expect(a.subject).toBe(b.subject);
      // (the link's own block leaves a blank line behind once its line is taken out)
      const squeeze = (text: string) => text.replace(/\n{3,}/g, "\n\n");
      const rest = a.text.split("\n").filter((line) => !line.includes(ACCOUNT_URL)).join("\n");
      expect(squeeze(rest)).toBe(squeeze(b.text));
    }
  });

  it.each(LOCALES)("the link is a secret: listed, and cut from the copy kept after delivery (%s)", (locale) => {
    for (const message of linked(ACCOUNT_URL)) {
      expect(secretFieldsOf(message), message.purpose).toEqual([ACCOUNT_URL]);
      const kept = withoutSecrets(message);
      expect(secretFieldsOf(kept)).toEqual([]);
      const full = renderEmail(message, locale);
      const copy = renderEmail(kept, locale);
      expect(allParts(full)).toContain(ACCOUNT_URL); // the check can fail
      expect(allParts(copy)).not.toContain(ACCOUNT_URL);
      expect(allParts(copy)).not.toContain("tok_Secret-123");
      expect(copy.text).toContain(PASSWORD_PLACEHOLDER);
      expect(copy.text).toContain(LABEL[locale]);
      expect(copy.subject).toBe(full.subject);
    }
    // The input itself is left alone.
    expect(linked(ACCOUNT_URL).every((m) => "accountUrl" in m && m.accountUrl === ACCOUNT_URL)).toBe(true);
  });
});
