// The account page's small rules (issue 12): how the address the login details went to is masked
// on screen, how days left in a trial are counted, which plans are offered for sale.
import { describe, expect, it } from "vitest";
import { daysLeft, maskEmail, plansForSale } from "../../app/models/account.server.ts";
import { planCatalog } from "../../orchestrator/plans/index.ts";

describe("account page", () => {
  it("masks the address a little: two letters (one when short), then the whole domain", () => {
    expect(maskEmail("jane.doe@acme.example")).toBe("ja•••@acme.example");
    expect(maskEmail("jo@acme.example")).toBe("j•••@acme.example");
    expect(maskEmail("j@acme.example")).toBe("j•••@acme.example");
    expect(maskEmail("not-an-address")).toBe("•••");
  });

  it("counts days left rounded up, and none once the trial is over", () => {
    const now = new Date("2026-12-03T12:00:00Z");
    expect(daysLeft(new Date("2027-01-02T12:00:00Z"), now)).toBe(30);
    expect(daysLeft(new Date("2026-12-03T12:00:01Z"), now)).toBe(1);
    expect(daysLeft(new Date("2026-12-03T11:59:59Z"), now)).toBe(0);
  });

  it("offers only plans with a Stripe price, in the catalogue's order and the customer's language", () => {
    const catalog = planCatalog("plans.json", {
      defaultPlan: "a",
      plans: [
        { id: "a", names: { en: "Starter", fr: "Essentiel" }, trialDays: 30, stripePrices: { monthly: "price_a_m" }, limits: { memoryMb: 512, cpus: 1 } },
        { id: "b", names: { en: "Enterprise", fr: "Entreprise" }, trialDays: 30, limits: { memoryMb: 512, cpus: 1 } },
      ],
    } as Parameters<typeof planCatalog>[1]);
    expect(plansForSale(catalog, "fr")).toEqual([{ id: "a", name: "Essentiel", monthly: true, yearly: false }]);
  });
});
