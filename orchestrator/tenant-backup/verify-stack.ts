// The temporary stack a backup is restored into to prove it (issue 13, verify.ts): the tenant's
// template rendered for a throwaway slug `verify-<id8>` with fresh secrets, then cut down to the
// template's database service alone (roles.database), with no published port, no restart policy,
// its own network and volume, under its own compose project `verify-<id8>` (not `client-…`, so it
// is never taken for a tenant). It carries the tenant's id label, so the reconciler lists a
// leftover as a stray of that tenant. Pure apart from the secrets' randomness.
import { parse } from "yaml";
import { TemplateError } from "../errors.ts";
import { LABELS, type StackSpec } from "../stack-spec.ts";
import type { DumpPlan } from "../templates/dump.ts";
import { generateSecret } from "../templates/generate-secret.ts";
import { toComposeText } from "../templates/compose-text.ts";
import { variablesToReserve } from "../templates/manifest.ts";
import { mapStrings, type Tree } from "../templates/placeholders.ts";
import type { ExecReadinessCheck } from "../templates/readiness.ts";
import { renderTenant } from "../templates/render.ts";
import type { Template } from "../templates/template.ts";

export interface VerifyStack {
  stack: StackSpec;
  /** The template's first exec readiness check on its database service: the database answers. */
  ready: ExecReadinessCheck | null;
  restore: DumpPlan | null;
  rowCounts: DumpPlan | null;
}

export function verifyProjectName(backupId: string): string {
  return `verify-${backupId.replace(/-/g, "").slice(0, 8).toLowerCase()}`;
}

export function renderVerifyStack(template: Template, templateValues: Readonly<Record<string, string | number>>, tenantId: string, backupId: string): VerifyStack {
  const project = verifyProjectName(backupId);
  const reserve = variablesToReserve(template.manifest);
  const values: Record<string, string | number> = { ...templateValues };
  for (const secret of reserve.secrets) values[secret.name] = generateSecret(secret.generate);
  // Ports are never published here; distinct placeholders satisfy the rendering.
  reserve.ports.forEach((name, index) => (values[name] = index + 1));
  const rendered = renderTenant(template, { tenantId, slug: project, values });
  const database = template.manifest.roles.database;
  const service = rendered.stack.services.find((s) => s.name === database);
  if (!service) throw new TemplateError(`Template ${template.id} has no service ${database} (its roles.database): a backup cannot be verified.`);
  const relabel = (labels: Record<string, string>) => ({ ...labels, [LABELS.composeProject]: project });
  const volumeNames = new Set(service.volumes.map((mount) => mount.volume));
  const networkNames = new Set(service.networks);
  const stack: StackSpec = {
    project,
    composeText: verifyComposeText(rendered.stack.composeText, project, database),
    services: [{ ...service, ports: [], dependsOn: [], restart: "no", labels: relabel(service.labels) }],
    networks: rendered.stack.networks.filter((n) => networkNames.has(n.name)).map((n) => ({ ...n, labels: relabel(n.labels) })),
    volumes: rendered.stack.volumes.filter((v) => volumeNames.has(v.name)).map((v) => ({ ...v, labels: relabel(v.labels) })),
  };
  const ready = rendered.readiness.find((check): check is ExecReadinessCheck => check.type === "exec" && check.service === database) ?? null;
  return { stack, ready, restore: rendered.restore, rowCounts: rendered.rowCounts };
}

/** The same cut in the compose text (for drivers deploying compose files): one service, its project. */
function verifyComposeText(composeText: string, project: string, database: string): string {
  // The text escapes every `$` as `$$`; read back, the values are unescaped before writing again.
  const tree = mapStrings(parse(composeText) as Tree, (text) => text.replaceAll("$$", () => "$")) as { [key: string]: Tree };
  const services = tree["services"] as { [key: string]: { [key: string]: Tree } };
  const service = { ...services[database]! };
  delete service["ports"];
  delete service["depends_on"];
  service["restart"] = "no";
  const relabel = (entry: Tree): Tree => {
    const object = entry as { [key: string]: Tree };
    return { ...object, labels: { ...(object["labels"] as { [key: string]: Tree }), [LABELS.composeProject]: project } };
  };
  service["labels"] = (relabel(service) as { [key: string]: Tree })["labels"]!;
  const networks = service["networks"];
  const used = new Set(Array.isArray(networks) ? networks.map(String) : Object.keys((networks as { [key: string]: Tree } | undefined) ?? {}));
  const mounts = (service["volumes"] as Tree[] | undefined) ?? [];
  const usedVolumes = new Set(
    mounts.map((mount) => (typeof mount === "string" ? (mount.split(":")[0] ?? "") : String((mount as { [key: string]: Tree } | null)?.["source"] ?? ""))),
  );
  const section = (name: string, keep: Set<string>) =>
    Object.fromEntries(Object.entries((tree[name] as { [key: string]: Tree } | undefined) ?? {}).filter(([key]) => keep.has(key)).map(([key, value]) => [key, relabel(value)]));
  return toComposeText({ name: project, services: { [database]: service }, networks: section("networks", used), volumes: section("volumes", usedVolumes) });
}
