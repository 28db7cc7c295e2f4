// Loads compose templates at boot and validates them completely, so that a broken template
// stops the portal from starting instead of failing a customer's signup later: the manifest's
// schema, the compose subset, the template rules, then a trial render with sample values (which
// checks every port, duration, size and reference the same way a real render will).
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { parseDocument } from "yaml";
import { TemplateError } from "../errors.ts";
import { composeSubsetProblems, isMap } from "./compose-subset.ts";
import { initialUserProblems } from "./initial-user.ts";
import { parseManifest, type Manifest } from "./manifest.ts";
import type { Tree } from "./placeholders.ts";
import { renderWithValues } from "./render.ts";
import type { Template } from "./template.ts";
import { templateRuleProblems } from "./template-rules.ts";

/** Every subfolder of rootDir that holds a manifest.json, by template id. */
export async function loadTemplates(rootDir: string): Promise<Map<string, Template>> {
  const root = resolve(rootDir);
  let entries;
  try {
    entries = await readdir(root, { withFileTypes: true });
  } catch (error) {
    throw new TemplateError(`Cannot read the templates folder ${root} (${(error as Error).message}); check the configured path.`);
  }
  const templates = new Map<string, Template>();
  for (const entry of entries.filter((candidate) => candidate.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
    const dir = join(root, entry.name);
    if (!(await readOptional(join(dir, "manifest.json")))) continue; // e.g. the source of an app image
    const template = await loadTemplate(dir);
    templates.set(template.id, template);
  }
  if (templates.size === 0) {
    throw new TemplateError(`No template in ${root}: each template is a folder holding manifest.json and its compose file.`);
  }
  return templates;
}

export async function loadTemplate(dir: string): Promise<Template> {
  const folder = resolve(dir);
  const manifestPath = join(folder, "manifest.json");
  const manifestSource = await readOptional(manifestPath);
  if (manifestSource === undefined) throw new TemplateError(`${manifestPath} is missing: a template folder needs one.`);
  const manifest = parseManifest(manifestSource, manifestPath);
  if (manifest.id !== basename(folder)) {
    throw new TemplateError(`${manifestPath}: id is "${manifest.id}" but the folder is "${basename(folder)}"; make them equal.`);
  }
  const composePath = join(folder, manifest.composeFile);
  const composeSource = await readOptional(composePath);
  if (composeSource === undefined) throw new TemplateError(`${composePath} is missing (named by composeFile in manifest.json).`);
  const compose = parseCompose(composeSource, composePath);

  const problems = [
    ...composeSubsetProblems(compose).map((problem) => `${manifest.composeFile}: ${problem}`),
    ...(isMap(compose) ? templateRuleProblems(manifest, compose, manifest.composeFile) : []),
    ...initialUserProblems(manifest),
  ];
  if (problems.length > 0 || !isMap(compose)) {
    throw new TemplateError(`Template ${manifest.id} (${folder}) is invalid; fix:\n${problems.map((problem) => ` - ${problem}`).join("\n")}`);
  }

  const template: Template = {
    id: manifest.id,
    dir: folder,
    manifest,
    manifestSource,
    composeSource,
    compose: deepFreeze(compose),
    hash: createHash("sha256").update(composeSource).update("\0").update(manifestSource).digest("hex"),
  };
  try {
    renderWithValues(template, "template-check", sampleValues(manifest));
  } catch (error) {
    if (!(error instanceof TemplateError)) throw error;
    throw new TemplateError(`Template ${manifest.id} (${folder}) is invalid: ${error.message}`);
  }
  return template;
}

function parseCompose(source: string, file: string): Tree {
  // Warnings count too: an unresolved tag such as compose's !reset would otherwise be dropped.
  const document = parseDocument(source, { prettyErrors: true });
  const issues = [...document.errors, ...document.warnings];
  if (issues.length > 0) {
    throw new TemplateError(`${file} is not valid YAML; fix:\n${issues.map((issue) => ` - ${issue.message}`).join("\n")}`);
  }
  return document.toJS() as Tree;
}

// Values that pass every check a real tenant's would: the manifest's defaults, distinct ports,
// secrets of the declared length.
function sampleValues(manifest: Manifest): Map<string, string> {
  let port = 20000;
  return new Map(
    manifest.variables.map((variable): [string, string] => {
      switch (variable.kind) {
        case "tenant":
          return [variable.name, "template-check"];
        case "generated-secret":
          return [variable.name, "0".repeat(variable.generate.bytes * 2)];
        case "port":
          return [variable.name, String(port++)];
        case "config":
          return [variable.name, variable.default];
      }
    }),
  );
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new TemplateError(`Cannot read ${path} (${(error as Error).message}).`);
  }
}

// A template is shared by every render: nothing may change it in place.
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object") {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
