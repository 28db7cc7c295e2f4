import { describe, expect, it } from "vitest";
import { localeFromAcceptLanguage, resolveLocale } from "../../app/i18n/locale.ts";
import { translator } from "../../app/i18n/messages.ts";

describe("language", () => {
  it.each([
    ["fr-FR,fr;q=0.9,en;q=0.8", "fr"],
    ["en-GB,en;q=0.9", "en"],
    ["de-DE,fr;q=0.5,en;q=0.4", "fr"],
    ["en;q=0.2, fr;q=0.8", "fr"],
    ["de, es", undefined],
    ["fr;q=0", undefined],
    ["", undefined],
  ])("Accept-Language %j → %s", (header, locale) => {
    expect(localeFromAcceptLanguage(header)).toBe(locale);
  });

  it("prefers the language chosen with the switch over the browser's", () => {
    const request = new Request("http://localhost/", { headers: { "Accept-Language": "fr", Cookie: "a=1; lang=en" } });
    expect(resolveLocale(request)).toBe("en");
    expect(resolveLocale(new Request("http://localhost/"))).toBe("en");
  });

  it("says the required messages in both languages", () => {
    expect(translator("en")("error.summary.required")).toBe("Please fill in all required fields");
    expect(translator("fr")("error.summary.required")).toBe("Veuillez remplir tous les champs obligatoires");
    expect(translator("en")("error.terms")).toBe("Please accept the terms");
    expect(translator("fr")("error.terms")).toBe("Veuillez accepter les conditions générales");
    expect(translator("en")("error.rate_limited", { minutes: 12 })).toContain("try again in 12 minutes");
    expect(translator("fr")("error.rate_limited", { minutes: 12 })).toContain("réessayer dans 12 minutes");
  });
});
