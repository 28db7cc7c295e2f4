// Which values a driver must never quote: environment values whose variable's name says they are
// secret. They are removed from the engine's and Portainer's messages and from log lines quoted in
// errors. Read from the spec when deploying, from the containers when only the engine is at hand.
import type { StackSpec } from "../stack-spec.ts";
import type { ProjectContainer } from "./containers.ts";
import type { EngineApi } from "./engine.ts";

const SECRET_NAME = /PASS|SECRET|KEY|TOKEN|CREDENTIAL|PRIVATE/i;
// Shorter values would redact ordinary words from the text around them.
const MIN_LENGTH = 4;

function secretsOf(entries: Iterable<[string, string]>, into: Set<string>): void {
  for (const [name, value] of entries) {
    if (SECRET_NAME.test(name) && value.length >= MIN_LENGTH) into.add(value);
  }
}

export function secretValues(spec: StackSpec): string[] {
  const values = new Set<string>();
  for (const service of spec.services) secretsOf(Object.entries(service.environment), values);
  return [...values];
}

/** The same, from containers' "NAME=value" environment lists. */
export function secretValuesOfEnv(envLists: readonly (readonly string[] | null | undefined)[]): string[] {
  const values = new Set<string>();
  for (const env of envLists) {
    secretsOf(
      (env ?? []).map((entry): [string, string] => {
        const at = entry.indexOf("=");
        return at < 0 ? [entry, ""] : [entry.slice(0, at), entry.slice(at + 1)];
      }),
      values,
    );
  }
  return [...values];
}

/** Secret values of the project's containers, read from the engine (when no spec is at hand). */
export async function containerSecrets(engine: EngineApi, containers: readonly ProjectContainer[]): Promise<string[]> {
  const envs = [];
  for (const c of containers) envs.push((await engine.inspectContainer(c.id, c.name))?.Config.Env);
  return secretValuesOfEnv(envs);
}
