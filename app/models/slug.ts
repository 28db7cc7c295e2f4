// A tenant's slug names its stack, containers, network and volume (`client-<slug>`,
// `<slug>-app`, …), so it must be safe for Docker and Portainer names and for DNS labels:
// lowercase [a-z0-9-], no leading or trailing dash, bounded length.

export const SLUG_MAX_LENGTH = 40;
/** Used when a company name has no letter or digit left once folded (only emoji or symbols). */
export const FALLBACK_SLUG = "tenant";

// Names that would collide with the portal's own routes, infrastructure or obvious impersonation.
export const RESERVED_SLUGS: ReadonlySet<string> = new Set([
  "admin", "administrator", "api", "app", "assets", "auth", "billing", "build", "client", "console",
  "dashboard", "default", "demo", "docker", "help", "healthz", "internal", "localhost", "login",
  "logout", "mail", "portainer", "postgres", "public", "root", "signup", "smtp", "static", "status",
  "support", "system", "tenantry", "test", "trial", "www",
]);

// Letters that Unicode decomposition does not reduce to ASCII.
const SPECIAL_LETTERS: Record<string, string> = {
  ß: "ss", æ: "ae", œ: "oe", ø: "o", đ: "d", ð: "d", ł: "l", þ: "th", ı: "i", ħ: "h", ŋ: "n",
};

/** Folds a company name to a slug base; returns "" when nothing usable is left. */
export function slugBase(company: string, maxLength = SLUG_MAX_LENGTH): string {
  const folded = company
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase()
    .replace(/[ßæœøđðłþıħŋ]/g, (letter) => SPECIAL_LETTERS[letter] ?? "")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  return trimDashes(folded.slice(0, maxLength));
}

function trimDashes(value: string): string {
  return value.replace(/^-+|-+$/g, "");
}

/**
 * The first free slug for a company: the base itself, then base-2, base-3, … (the base is
 * shortened so the suffix still fits). Reserved names are never handed out.
 */
export function firstFreeSlug(base: string, isTaken: (slug: string) => boolean): string {
  const root = base || FALLBACK_SLUG;
  if (!RESERVED_SLUGS.has(root) && !isTaken(root)) return root;
  for (let n = 2; ; n++) {
    const suffix = `-${n}`;
    const candidate = trimDashes(root.slice(0, SLUG_MAX_LENGTH - suffix.length)) + suffix;
    if (!isTaken(candidate)) return candidate;
  }
}

export function isValidSlug(slug: string): boolean {
  return (
    slug.length > 0 &&
    slug.length <= SLUG_MAX_LENGTH &&
    /^[a-z0-9]+(-[a-z0-9]+)*$/.test(slug) &&
    !RESERVED_SLUGS.has(slug)
  );
}
