import { describe, expect, it } from "vitest";
import { validateSignup } from "../../app/forms/signup-schema.ts";

const valid = {
  firstName: "  Camille ",
  lastName: "Durand",
  email: "  Camille.Durand@Example.COM ",
  company: " Société Générale ",
  phone: "06 12 34 56 78",
  acceptTerms: "on",
};

describe("signup schema", () => {
  it("normalises valid input: trimmed, lowercased email, E.164 phone", () => {
    const result = validateSignup(valid, "FR");
    expect(result).toEqual({
      ok: true,
      data: {
        firstName: "Camille",
        lastName: "Durand",
        email: "camille.durand@example.com",
        company: "Société Générale",
        phone: "+33612345678",
        acceptTerms: "on",
      },
    });
  });

  it("accepts international numbers whatever the default country", () => {
    const result = validateSignup({ ...valid, phone: "+1 415 555 2671" }, "FR");
    expect(result.ok && result.data.phone).toBe("+14155552671");
  });

  it("reports every missing field as required", () => {
    const result = validateSignup({}, "FR");
    expect(result).toEqual({
      ok: false,
      errors: { firstName: "required", lastName: "required", email: "required", company: "required", phone: "required", acceptTerms: "terms" },
    });
  });

  it("treats whitespace-only values as missing", () => {
    const result = validateSignup({ ...valid, firstName: "   ", company: "\t" }, "FR");
    expect(result).toEqual({ ok: false, errors: { firstName: "required", company: "required" } });
  });

  it("requires the terms to be accepted", () => {
    expect(validateSignup({ ...valid, acceptTerms: "" }, "FR")).toEqual({ ok: false, errors: { acceptTerms: "terms" } });
    expect(validateSignup({ ...valid, acceptTerms: "yes" }, "FR")).toEqual({ ok: false, errors: { acceptTerms: "terms" } });
  });

  it.each(["not-an-email", "a@b", "two@@example.com", "spaces in@example.com"])("refuses the email %s", (email) => {
    expect(validateSignup({ ...valid, email }, "FR")).toEqual({ ok: false, errors: { email: "email_invalid" } });
  });

  it.each(["12", "06 12 34", "+33 1", "phone", "+999 123456789"])("refuses the phone %s", (phone) => {
    expect(validateSignup({ ...valid, phone }, "FR")).toEqual({ ok: false, errors: { phone: "phone_invalid" } });
  });

  it("refuses absurd lengths", () => {
    const result = validateSignup(
      { ...valid, firstName: "a".repeat(101), company: "c".repeat(121), email: `${"e".repeat(250)}@example.com`, phone: "1".repeat(33) },
      "FR",
    );
    expect(result).toEqual({
      ok: false,
      errors: { firstName: "too_long", company: "too_long", email: "too_long", phone: "too_long" },
    });
  });

  it("refuses a company name with no letter or digit", () => {
    expect(validateSignup({ ...valid, company: "!!! ???" }, "FR")).toEqual({ ok: false, errors: { company: "company_unusable" } });
    expect(validateSignup({ ...valid, company: "🍕🍕" }, "FR")).toEqual({ ok: false, errors: { company: "company_unusable" } });
    expect(validateSignup({ ...valid, company: "株式会社" }, "FR").ok).toBe(true);
  });

  it("ignores values that are not strings", () => {
    const result = validateSignup({ ...valid, firstName: 42 }, "FR");
    expect(result).toEqual({ ok: false, errors: { firstName: "required" } });
  });
});

describe("signup schema: one line of ordinary text in names", () => {
  it.each([
    ["a newline", "Jean\nMartin"],
    ["a carriage return", "Jean\rMartin"],
    ["a tab", "Jean\tMartin"],
    ["a NUL", "Jean\u0000"],
    ["an escape sequence", "Jean\u001b[31m"],
    ["DEL", "Jean\u007f"],
    ["a C1 control", "Jean\u0085Martin"],
    ["a line separator", "Jean\u2028Martin"],
    ["a right-to-left override", "Jean\u202enitraM"],
    ["a bidirectional isolate", "Jean\u2066Martin"],
  ])("refuses %s in the first name, last name and company", (_what, text) => {
    expect(validateSignup({ ...valid, firstName: text, lastName: text, company: text }, "FR")).toEqual({
      ok: false,
      errors: { firstName: "control_characters", lastName: "control_characters", company: "control_characters" },
    });
  });

  it("still accepts accents, apostrophes, hyphens, ampersands and non-Latin scripts", () => {
    const result = validateSignup({ ...valid, firstName: "Zoë-Anne", lastName: "O'Brien", company: "Müller & Söhne 株式会社" }, "FR");
    expect(result.ok).toBe(true);
  });

  it("explains the refusal in both languages", async () => {
    const { translator } = await import("../../app/i18n/messages.ts");
    expect(translator("en")("error.control_characters")).toMatch(/single line of ordinary text/);
    expect(translator("fr")("error.control_characters")).toMatch(/une seule ligne de texte ordinaire/);
  });
});
