// orchestrator/templates/load.ts: a template folder read from disk, with a hash of its compose
// file and manifest that changes when either changes, and only then.
import { cp, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadTemplate } from "../../orchestrator/templates/load.ts";
import { DEMO_DIR, useTemplateScratch } from "../support/template-fixtures.ts";

const scratch = useTemplateScratch();

describe("hashes", () => {
  it("changes when the compose file or the manifest changes, and only then", async () => {
    const dir = path.join(scratch.dir, "demo");
    await cp(DEMO_DIR, dir, { recursive: true });
    const original = (await loadTemplate(dir)).hash;
    expect((await loadTemplate(dir)).hash).toBe(original);
    expect(original).toBe((await loadTemplate(DEMO_DIR)).hash);

    const composePath = path.join(dir, "compose.yml");
    const compose = await readFile(composePath, "utf8");
    await writeFile(composePath, compose.replace("retries: 30", "retries: 31"));
    const composeChanged = (await loadTemplate(dir)).hash;
    expect(composeChanged).not.toBe(original);

    const manifestPath = path.join(dir, "manifest.json");
    const manifest = await readFile(manifestPath, "utf8");
    await writeFile(manifestPath, manifest.replace('"default": "256m"', '"default": "300m"'));
    const bothChanged = (await loadTemplate(dir)).hash;
    expect(new Set([original, composeChanged, bothChanged]).size).toBe(3);

    await writeFile(composePath, compose);
    await writeFile(manifestPath, manifest);
    expect((await loadTemplate(dir)).hash).toBe(original);
  });
});
