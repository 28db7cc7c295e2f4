// Rotation of the secrets key: what orchestrator/index.ts exports of it (the runner and the plan
// for `npm run secrets:rotate`); the keyring watch is wired by createOrchestrator itself.
export { runKeyRotation, RotationError, type RotationOptions, type RotationReport } from "./runner.ts";
export { rotationKeys, type RotationPlan } from "./plan.ts";
export type { KindReport } from "./reseal.ts";
export { prepareNextKey, readKeyFile as readSecretKeyFile, swapKeyFiles, nextKeyFile, type KeyFiles } from "./key-files.ts";
