// The shape of a message before it becomes text or HTML. The copy only produces plain strings
// (never markup), so the HTML renderer escapes everything and no customer value can slip into
// the markup unescaped, whatever sentence it is interpolated into.
import type { EmailLocale } from "./types.ts";

export type FieldValue =
  | { readonly kind: "text"; readonly text: string }
  /** A link in HTML when the address is http(s); plain text otherwise. */
  | { readonly kind: "link"; readonly url: string }
  /** Something to type exactly (username, password): monospace, and marked when secret. */
  | { readonly kind: "code"; readonly text: string; readonly secret?: boolean };

export interface Field {
  readonly label: string;
  readonly value: FieldValue;
}

export type Block =
  /** Lines of one paragraph: a line break between them, a blank line after. */
  | { readonly kind: "paragraph"; readonly lines: readonly string[] }
  | { readonly kind: "fields"; readonly fields: readonly Field[] };

export interface EmailContent {
  readonly locale: EmailLocale;
  readonly subject: string;
  readonly blocks: readonly Block[];
  /** Between a label and its value in the plain-text part (French puts a non-breaking space before the colon). */
  readonly labelSeparator: string;
}
