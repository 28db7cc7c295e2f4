import { describe, expect, it } from "vitest";
import { FALLBACK_SLUG, firstFreeSlug, isValidSlug, RESERVED_SLUGS, SLUG_MAX_LENGTH, slugBase } from "../../app/models/slug.ts";

const none = () => false;

describe("slugBase", () => {
  it.each([
    ["Société Générale", "societe-generale"],
    ["  Crème Brûlée & Co.  ", "creme-brulee-co"],
    ["Straße Bäckerei", "strasse-backerei"],
    ["Łódź Œuvres Ærø", "lodz-oeuvres-aero"],
    ["ACME--Corp!!!", "acme-corp"],
    ["123 Go", "123-go"],
    ["🍕 Pizza 🍕 Napoli", "pizza-napoli"],
    ["--leading and trailing--", "leading-and-trailing"],
    ["ﬁne ligature", "fine-ligature"],
  ])("%s → %s", (company, slug) => {
    expect(slugBase(company)).toBe(slug);
  });

  it("leaves nothing for emoji or symbols only", () => {
    expect(slugBase("🍕🍕🍕")).toBe("");
    expect(slugBase("!!! ??? ***")).toBe("");
    expect(slugBase("株式会社")).toBe("");
  });

  it("bounds very long names without a trailing dash", () => {
    const slug = slugBase("a".repeat(39) + " b" + "c".repeat(500));
    expect(slug.length).toBeLessThanOrEqual(SLUG_MAX_LENGTH);
    expect(slug).toBe("a".repeat(39));
    expect(slugBase("word ".repeat(100)).endsWith("-")).toBe(false);
  });
});

describe("firstFreeSlug", () => {
  it("uses the base when free", () => {
    expect(firstFreeSlug("acme", none)).toBe("acme");
  });
  it("adds the first free numeric suffix", () => {
    const taken = new Set(["acme", "acme-2", "acme-3"]);
    expect(firstFreeSlug("acme", (s) => taken.has(s))).toBe("acme-4");
  });
  it("never hands out a reserved name", () => {
    for (const reserved of RESERVED_SLUGS) expect(firstFreeSlug(reserved, none)).toBe(`${reserved}-2`);
  });
  it("falls back when the base is empty", () => {
    expect(firstFreeSlug("", none)).toBe(FALLBACK_SLUG);
    expect(firstFreeSlug("", (s) => s === FALLBACK_SLUG)).toBe(`${FALLBACK_SLUG}-2`);
  });
  it("shortens a maximal base so the suffix fits", () => {
    const base = slugBase("x".repeat(60));
    const slug = firstFreeSlug(base, (s) => s === base);
    expect(slug).toBe("x".repeat(SLUG_MAX_LENGTH - 2) + "-2");
    expect(slug.length).toBe(SLUG_MAX_LENGTH);
  });
  it("does not leave a double dash when shortening lands on a dash", () => {
    const base = "a".repeat(37) + "-bc"; // 40 characters, a dash at position 38
    const slug = firstFreeSlug(base, (s) => s === base);
    expect(slug).toBe("a".repeat(37) + "-2");
    expect(isValidSlug(slug)).toBe(true);
  });
});

describe("isValidSlug", () => {
  it("accepts only what Docker, Portainer and DNS accept", () => {
    expect(isValidSlug("acme-2")).toBe(true);
    for (const bad of ["", "-acme", "acme-", "Acme", "ac--me", "ac_me", "a".repeat(41), "admin"]) {
      expect(isValidSlug(bad)).toBe(false);
    }
  });
});
