// Only http(s) addresses may become links: a customer- or configuration-provided value such as
// `javascript:…` or `data:…` must never reach an href, where a click would run it.

/**
 * The normalised address if `value` is an absolute http or https URL, otherwise `undefined`.
 * The WHATWG parser is the one browsers use, so tricks like tabs or newlines inside the scheme
 * (`java\tscript:`) are judged the way a mail client's browser engine would read them.
 */
export function httpUrlOrUndefined(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return undefined;
  }
  return url.protocol === "http:" || url.protocol === "https:" ? url.href : undefined;
}
