// The public status page names steps in plain words: every step the orchestrator defines has a
// translated name in both languages, and an unknown one falls back to a neutral name.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { translator, type MessageKey } from "../../app/i18n/messages.ts";
import { publicStepKey } from "../../app/models/trial-status.server.ts";

// Step names as the job definitions write them (`name: "…"`, and the bring-up `step: "…"`): the
// lifecycle's jobs, termination's, and the tenant backup and restore jobs (issue 13).
const jobFiles = ["lifecycle/definitions.ts", "lifecycle/terminate.ts", "lifecycle/job-records.ts", "tenant-backup/jobs.ts"];
const definitions = jobFiles.map((file) => readFileSync(new URL(`../../orchestrator/${file}`, import.meta.url), "utf8")).join("\n");
const stepNames = [...definitions.matchAll(/\b(?:name|step): "([a-z-]+)"/g)].map((m) => m[1]!);

describe("status page step names", () => {
  it("finds the lifecycle's steps", () => {
    expect(stepNames).toEqual(expect.arrayContaining(["reserve", "deploy", "create-initial-user", "activate", "start", "restart", "dump", "backup", "load"]));
  });

  it.each(["en", "fr"] as const)("gives every step a plain-words name in %s", (locale) => {
    const t = translator(locale);
    // ready:<service> and Caddy's route:<target> steps (orchestrator/lifecycle/tenant-route.ts) are named by pattern.
    for (const name of [...stepNames, "ready:postgres", "ready:app-health", "route:app", "route:suspended", "route:none"]) {
      const key = publicStepKey(name);
      expect(key, name).not.toBe("stepName.other");
      expect(t(key as MessageKey), name).not.toMatch(/^stepName\.|ready:|[a-z]+-[a-z]+-[a-z]+/);
    }
  });

  it("falls back to a neutral name for a step it does not know", () => {
    expect(publicStepKey("docker-pull:registry.internal/x")).toBe("stepName.other");
    expect(translator("en")("stepName.other")).toBe("Maintenance step");
  });
});
