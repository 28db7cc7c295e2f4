// HTML escaping for text nodes and double- or single-quoted attribute values. `&` goes first so
// the entities produced by the other replacements are not escaped twice.

const ENTITIES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
  // Old Internet Explorer accepted the backtick as an attribute delimiter.
  "`": "&#96;",
};

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"'`]/g, (character) => ENTITIES[character] ?? character);
}
