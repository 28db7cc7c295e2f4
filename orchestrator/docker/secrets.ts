// Which values the driver must never quote: environment values whose variable's name says they
// are secret. They are redacted from daemon messages and log lines quoted in errors.
import type { StackSpec } from "../stack-spec.ts";

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

/** The same, from containers' "NAME=value" environment lists (when only the engine is at hand). */
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
