// `${NAME}` placeholders inside template strings. Compose's own interpolation language is larger
// (`$NAME`, `${NAME:-default}`, `${NAME?error}`…); we accept only `${NAME}` and `$$` (a literal
// dollar) so that every variable is declared, and defaulted, in manifest.json and nowhere else.
import { TemplateError } from "../errors.ts";

/** A parsed YAML or JSON value: what `yaml`'s toJS() and JSON.parse() give back. */
export type Tree = string | number | boolean | null | Tree[] | { [key: string]: Tree };

const TOKEN = /\$\$|\$\{([A-Z][A-Z0-9_]*)\}|\$(\{[^}]*\}?|[A-Za-z_][A-Za-z0-9_]*)?/g;

/** Names of the variables a template string uses, in order of appearance (repeats kept). */
export function placeholdersIn(text: string, where: string): string[] {
  const names: string[] = [];
  for (const match of text.matchAll(TOKEN)) {
    if (match[0] === "$$") continue;
    if (match[1] !== undefined) names.push(match[1]);
    else throw unsupportedDollar(match[0], where);
  }
  return names;
}

/**
 * Replaces each `${NAME}` by its value and each `$$` by `$`, in one pass: a value that itself
 * contains `${OTHER}` or `$$` is inserted as is and never interpolated again.
 */
export function substitutePlaceholders(text: string, values: ReadonlyMap<string, string>, where: string): string {
  return text.replace(TOKEN, (token: string, name: string | undefined) => {
    if (token === "$$") return "$";
    if (name === undefined) throw unsupportedDollar(token, where);
    const value = values.get(name);
    if (value === undefined) {
      throw new TemplateError(`${where} uses \${${name}}, which has no value: declare it in manifest.json.`);
    }
    return value;
  });
}

function unsupportedDollar(token: string, where: string): TemplateError {
  return new TemplateError(
    `${where} contains "${token}": templates may only use \${NAME} (NAME in capitals, declared in ` +
      `manifest.json, defaults included) and "$$" for a literal dollar sign.`,
  );
}

/** Copies a tree, passing every string leaf (never a key) through `leaf` with its path. */
export function mapStrings(tree: Tree, leaf: (text: string, path: string) => string, path = ""): Tree {
  if (typeof tree === "string") return leaf(tree, path);
  if (Array.isArray(tree)) return tree.map((item, index) => mapStrings(item, leaf, `${path}[${index}]`));
  if (tree !== null && typeof tree === "object") {
    const copy: { [key: string]: Tree } = {};
    for (const [key, value] of Object.entries(tree)) copy[key] = mapStrings(value, leaf, joinPath(path, key));
    return copy;
  }
  return tree;
}

export function joinPath(path: string, key: string): string {
  return path === "" ? key : `${path}.${key}`;
}
