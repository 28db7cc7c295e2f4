// The one check for every redirect target taken from a request (?redirectTo=…): it must be a path
// on this site. Browsers strip tabs and newlines from a Location and read a backslash as a slash,
// so "/\t/evil.example" or "/\evil.example" would become "//evil.example", another site. Anything
// with a control character or a backslash, anything not starting with exactly one "/", and
// anything the URL parser resolves off this site is replaced by the fallback.
const CONTROL_OR_BACKSLASH = /[\u0000-\u001f\u007f-\u009f\\]/;
const PLACEHOLDER_ORIGIN = "http://redirect-check.invalid";

/**
 * Returns `target` (normalised) when it is a path on this site under `within` ("/" or e.g.
 * "/admin"), otherwise `fallback`.
 */
export function safeRedirectPath(target: string | null | undefined, fallback: string, within = "/"): string {
  if (typeof target !== "string" || target.length === 0 || target.length > 2048) return fallback;
  if (CONTROL_OR_BACKSLASH.test(target)) return fallback;
  if (!target.startsWith("/") || target.startsWith("//")) return fallback;
  if (!URL.canParse(target, PLACEHOLDER_ORIGIN)) return fallback;
  const url = new URL(target, PLACEHOLDER_ORIGIN);
  if (url.origin !== PLACEHOLDER_ORIGIN) return fallback;
  const path = url.pathname;
  // Checked again after parsing: "/./" or "/%2e/" tricks must not leave a "//" at the start.
  if (path.startsWith("//")) return fallback;
  const inside = within === "/" || path === within || path.startsWith(`${within}/`);
  return inside ? `${path}${url.search}${url.hash}` : fallback;
}
