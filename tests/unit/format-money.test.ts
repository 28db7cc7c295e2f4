// The console's money figures (MRR, a subscription's price) from Stripe amounts: Stripe counts in the
// currency's smallest unit as it defines it, so a yen amount is whole yen, a dinar amount is in fils
// (thousandths), and everything else, ISK included, in hundredths.
import { describe, expect, it } from "vitest";
import { formatMoney, stripeUnitsPerMajor } from "~/i18n/billing";

const plain = (text: string) => text.replace(/[\u00a0\u202f]/g, " ");

describe("formatMoney", () => {
  it("writes two-decimal currencies in the reader's way", () => {
    expect(plain(formatMoney(4900, "eur", "fr"))).toBe("49,00 €");
    expect(formatMoney(4900, "eur", "en")).toBe("€49.00");
    expect(formatMoney(1999, "usd", "en")).toBe("US$19.99");
  });

  it("takes zero-decimal currencies as whole units", () => {
    expect(stripeUnitsPerMajor("JPY")).toBe(1);
    expect(formatMoney(4900, "jpy", "en")).toBe("JP¥4,900");
    expect(plain(formatMoney(25000, "krw", "fr"))).toBe("25 000 ₩");
  });

  it("takes three-decimal currencies in thousandths", () => {
    expect(stripeUnitsPerMajor("kwd")).toBe(1000);
    expect(plain(formatMoney(5120, "kwd", "en"))).toBe("KWD 5.120");
  });

  it("keeps ISK in hundredths, as Stripe's API does", () => {
    expect(stripeUnitsPerMajor("isk")).toBe(100);
    expect(plain(formatMoney(500000, "isk", "en"))).toBe("ISK 5,000");
  });

  it("writes an unknown currency code without failing", () => {
    expect(formatMoney(1234, "zz", "en")).toBe("12.34 ZZ");
  });
});
