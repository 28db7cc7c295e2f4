// Compose templates: loaded and validated at boot, rendered per tenant into a StackSpec.
export { generateSecret } from "./generate-secret.ts";
export type { DumpPlan } from "./dump.ts";
export { initialUserStdin, psqlQuote, type InitialUserPlan } from "./initial-user.ts";
export { loadTemplate, loadTemplates } from "./load.ts";
export {
  parseManifest,
  variablesToReserve,
  type Manifest,
  type ManifestVariable,
  type SecretGeneration,
  type VariableKind,
} from "./manifest.ts";
export type { ExecReadinessCheck, HttpReadinessCheck, ReadinessCheck } from "./readiness.ts";
export { renderStack, renderTenant, type RenderedTenant, type RenderInput } from "./render.ts";
export { SUPPORTED_KEYS } from "./compose-subset.ts";
export type { Template } from "./template.ts";
