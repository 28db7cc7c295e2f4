// The orchestrator names its settings by code, never by the portal's environment variables; the
// portal turns a code into the variable to check where it reports the error (its log lines, the
// message of a failed start). Checked on the sources too: no orchestrator file names a variable.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { settingHintLine, SETTING_VARIABLES, withSettingHints } from "../../app/setting-hints.server.ts";
import { createLogger } from "../../app/logger.server.ts";
import { OrchestratorError } from "../../orchestrator/errors.ts";
import { MailConfigurationError } from "../../orchestrator/mail/transports.ts";
import { SecretKeyError } from "../../orchestrator/secrets.ts";

/** The variables loadConfig reads: the keys of its schema in app/config.server.ts. */
function portalVariables(): string[] {
  const source = readFileSync(path.resolve("app/config.server.ts"), "utf8");
  const schema = source.slice(source.indexOf("const envSchema = z.object({"), source.indexOf("\n});", source.indexOf("const envSchema")));
  return [...schema.matchAll(/^ {2}([A-Z][A-Z0-9_]+):/gm)].map((m) => m[1]!);
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(full);
    return entry.name.endsWith(".ts") ? [full] : [];
  });
}

describe("setting hints", () => {
  it("maps every setting to variables the portal reads", () => {
    const variables = new Set(portalVariables());
    expect(variables.size).toBeGreaterThan(20);
    for (const named of Object.values(SETTING_VARIABLES)) {
      const mentioned = named.match(/\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b/g) ?? [];
      expect(mentioned.length).toBeGreaterThan(0);
      for (const variable of mentioned) expect(variables, variable).toContain(variable);
    }
  });

  it("adds the variable to check to a log line whose error or setting field names a setting", () => {
    const lines: string[] = [];
    const logger = withSettingHints(createLogger("debug", (_level, line) => void lines.push(line)));
    logger.error("the SMTP settings are wrong", { error: new MailConfigurationError("refused") });
    logger.warn("no container engine answers", { setting: "engine.socket" });
    logger.error("job failed", { error: new Error("wrapped", { cause: new SecretKeyError("undecryptable") }) });
    logger.info("nothing to hint", { error: new Error("plain") });
    const hints = lines.map((line) => (JSON.parse(line) as { hint?: string }).hint);
    expect(hints).toEqual(["check SMTP_URL", "check DOCKER_SOCKET", "check SECRETS_KEY (or the key file under DATA_DIR)", undefined]);
  });

  it("adds a line naming the variable to a failed start's message", () => {
    const error = new OrchestratorError('No compose template "x"', { transient: false, setting: "template" });
    expect(settingHintLine(error)).toBe("\nCheck TENANT_TEMPLATE.");
    expect(settingHintLine(new Error("anything else"))).toBe("");
  });

  it("no orchestrator source names a portal variable", () => {
    // The specific names (HOST, PORT and WORKER are also ordinary words of comments and formats).
    const variables = portalVariables().filter((name) => name.includes("_"));
    const pattern = new RegExp(`\\b(${variables.join("|")})\\b`);
    const offenders = sources(path.resolve("orchestrator")).flatMap((file) =>
      readFileSync(file, "utf8")
        .split("\n")
        .map((line, index) => ({ line, index }))
        .filter(({ line }) => pattern.test(line))
        .map(({ line, index }) => `${path.relative(process.cwd(), file)}:${index + 1}: ${line.trim()}`),
    );
    expect(offenders).toEqual([]);
  });
});
