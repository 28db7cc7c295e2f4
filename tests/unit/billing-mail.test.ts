// The billing emails (issue 12) in both languages: payment failed (the grace's end, Stripe's pay link,
// the last reminder's own subject) and suspended (unpaid or canceled: the data kept, how to resume).
import { describe, expect, it } from "vitest";
import { renderEmail } from "../../orchestrator/mail/templates/index.ts";

const graceEndsAt = new Date("2027-02-08T10:00:00Z");
const base = { firstName: "Ada", company: "Acme" };

describe("billing emails", () => {
  it("payment-failed says until when the instance runs and links Stripe's invoice page", () => {
    const en = renderEmail({ purpose: "payment-failed", ...base, graceEndsAt, last: false, payUrl: "https://invoice.stripe.com/i/abc", appUrl: "http://acme.example/" }, "en");
    expect(en.subject).toBe("Payment failed for your instance for Acme");
    expect(en.text).toContain("Your instance keeps working until 8 February 2027");
    expect(en.text).toContain("https://invoice.stripe.com/i/abc");
    expect(en.html).toContain('href="https://invoice.stripe.com/i/abc"');
    const fr = renderEmail({ purpose: "payment-failed", ...base, graceEndsAt, last: true }, "fr");
    expect(fr.subject).toBe("Dernier rappel\u00a0: votre instance pour Acme sera suspendue le 8 février 2027");
    expect(fr.text).toContain("Votre instance reste accessible jusqu’au 8 février 2027");
    expect(fr.text).not.toContain("https://");
  });

  it("billing-suspended says why, that the data is kept, and how to resume", () => {
    const unpaid = renderEmail({ purpose: "billing-suspended", ...base, reason: "unpaid" }, "en");
    expect(unpaid.subject).toBe("Your instance for Acme is suspended");
    expect(unpaid.text).toContain("the payment for your subscription has not gone through");
    expect(unpaid.text).toContain("Your data is kept for a while");
    const canceled = renderEmail({ purpose: "billing-suspended", ...base, reason: "canceled" }, "fr");
    expect(canceled.text).toContain("Votre abonnement pour Acme a pris fin");
    expect(canceled.text).toContain("Réglez ou souscrivez de nouveau depuis votre espace client");
  });
});
