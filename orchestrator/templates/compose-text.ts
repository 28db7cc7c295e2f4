// The rendered compose file, for drivers that hand compose a file (Portainer).
import { stringify } from "yaml";
import { mapStrings, type Tree } from "./placeholders.ts";

/**
 * Serialises an already substituted compose tree. Two rules keep the text equivalent to the
 * StackSpec built from the same tree, whatever a value contains:
 * - compose interpolates `$` in the file it reads, so every `$` of every value is written `$$`
 *   (a secret containing "${OTHER}" or "$(cmd)" reaches the container unchanged);
 * - every string is double-quoted, so no value is read back as a number, boolean, null, alias
 *   or comment by any YAML parser (YAML 1.1 parsers such as compose's turn 1_000 or yes into
 *   other types), and a newline or `": "` stays inside its string.
 */
export function toComposeText(tree: Tree): string {
  const escaped = mapStrings(tree, (text) => text.replaceAll("$", () => "$$"));
  return stringify(escaped, { lineWidth: 0, defaultStringType: "QUOTE_DOUBLE", defaultKeyType: "PLAIN" });
}
