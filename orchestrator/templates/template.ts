// A compose template as loaded (and validated) at boot.
import type { Manifest } from "./manifest.ts";
import type { Tree } from "./placeholders.ts";

export interface Template {
  /** The folder's name, equal to manifest.id. */
  id: string;
  /** Absolute path of the template's folder. */
  dir: string;
  manifest: Manifest;
  manifestSource: string;
  composeSource: string;
  /** The compose file parsed, its `${VAR}` placeholders not yet substituted. */
  compose: { readonly [key: string]: Tree };
  /** sha256 (hex) of the compose text, a NUL byte, then the manifest text: changes with either file. */
  hash: string;
}
