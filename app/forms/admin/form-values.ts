// A posted form (or a query string) as the plain object the admin forms' zod schemas read: the
// first text value of each field; files are dropped, so a schema only ever sees strings.
export function formValues(form: FormData | URLSearchParams): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [name, value] of form.entries()) {
    if (typeof value === "string" && !(name in values)) values[name] = value;
  }
  return values;
}
