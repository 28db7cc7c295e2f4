// The plan catalogue (issue 12): the vendor's default file loads; every broken entry is named by
// the file, its index and its id with what to fix; the lookups (legacy "trial", price ids); and a
// plan's limits rendered into every service of the demo stack, compose text and StackSpec alike.
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { ConfigError, loadConfig } from "../../app/config.server.ts";
import { loadPlans, parsePlans, planResources, PlansError } from "../../orchestrator/plans/index.ts";
import { loadTemplates } from "../../orchestrator/templates/load.ts";
import { renderStack } from "../../orchestrator/templates/render.ts";
import { demoValues, TEMPLATES_ROOT } from "../support/template-fixtures.ts";

const plan = (overrides: Record<string, unknown> = {}) => ({
  id: "starter",
  names: { en: "Starter", fr: "Essentiel" },
  trialDays: 30,
  limits: { memoryMb: 512, cpus: 1 },
  ...overrides,
});
const file = (plans: unknown[], defaultPlan = "starter") => JSON.stringify({ defaultPlan, plans });

function problemsOf(text: string): string {
  try {
    parsePlans(text, "plans.json");
  } catch (error) {
    expect(error).toBeInstanceOf(PlansError);
    return (error as Error).message;
  }
  throw new Error("the file was accepted");
}

describe("the plan catalogue", () => {
  it("loads the vendor's default compose-templates/plans.json (placeholders for the Stripe prices)", () => {
    const catalogue = loadPlans(path.resolve("compose-templates/plans.json"));
    expect(catalogue.defaultPlan.id).toBe("starter");
    expect(catalogue.all().map((p) => [p.id, p.names.fr, p.limits.memoryMb])).toEqual([
      ["starter", "Essentiel", 512],
      ["pro", "Professionnel", 1024],
      ["enterprise", "Entreprise", 2048],
    ]);
    expect(catalogue.byPriceId("price_REPLACE_pro_yearly")).toMatchObject({ plan: { id: "pro" }, interval: "year" });
    expect(catalogue.get("enterprise")?.stripePrices).toBeUndefined();
  });

  it("names the file, the entry (index and id) and what to fix for each broken field", () => {
    const message = problemsOf(
      file([
        plan({ names: { en: "Starter", fr: " " }, trialDays: 0, limits: { memoryMb: 10, cpus: 0.001 }, colour: "blue" }),
        plan({ id: "pro", limits: { memoryMb: "1g", cpus: 1 }, stripePrices: { monthly: "prod_123" } }),
        plan({ id: "Bad Id", maxTenants: 0 }),
      ]),
    );
    for (const line of [
      'plans.json: plans[0] "starter": names.fr must be a non-empty French name',
      'plans.json: plans[0] "starter": trialDays must be at least 1 day',
      'plans.json: plans[0] "starter": limits.memoryMb must be at least 64 (MiB)',
      'plans.json: plans[0] "starter": limits.cpus must be at least 0.01',
      'plans.json: plans[0] "starter": Unrecognized key: "colour"',
      'plans.json: plans[1] "pro": limits.memoryMb must be a whole number of mebibytes',
      'plans.json: plans[1] "pro": stripePrices.monthly must be a Stripe price id',
      'plans.json: plans[2] "Bad Id": id must be lowercase letters, digits and dashes',
      'plans.json: plans[2] "Bad Id": maxTenants must be at least 1 (leave it out for no limit)',
    ]) {
      expect(message).toContain(line);
    }
  });

  it("refuses duplicate ids, a price used twice, a default plan not in the list, the id trial, and bad JSON", () => {
    const message = problemsOf(
      file(
        [plan({ stripePrices: { monthly: "price_a" } }), plan({ stripePrices: { yearly: "price_a" } })],
        "gold",
      ),
    );
    expect(message).toContain('plans.json: plans[1] "starter": id is already used by plans[0]');
    expect(message).toContain('plans.json: plans[1] "starter": stripePrices.yearly price_a is already used by plans[0] "starter" (monthly)');
    expect(message).toContain('plans.json: defaultPlan "gold" is not the id of a plan in the list (starter)');
    expect(problemsOf(file([plan({ id: "trial" })], "trial"))).toContain('plans[0] "trial": id must not be "trial"');
    expect(problemsOf(file([plan({ stripePrices: {} })]))).toContain("stripePrices must name a monthly or a yearly price");
    expect(problemsOf("{ defaultPlan: starter")).toMatch(/^plans\.json is not valid JSON/);
    expect(problemsOf(JSON.stringify({ defaultPlan: "starter", plans: [] }))).toContain("plans.json: plans must list at least one plan");
  });

  it("says which file cannot be read", async () => {
    expect(() => loadPlans("/nonexistent/plans.json")).toThrow(/Cannot read the plans file \/nonexistent\/plans\.json .*check the configured path/);
    const dir = await mkdtemp(path.join(tmpdir(), "tenantry-h-plans-"));
    await writeFile(path.join(dir, "plans.json"), file([plan({ limits: { memoryMb: 512 } })]));
    expect(() => loadPlans(path.join(dir, "plans.json"))).toThrow(`${path.join(dir, "plans.json")}: plans[0] "starter": limits.cpus`);
  });

  it("PLANS_FILE is read at boot: a broken file stops it naming the setting, the file and the entry; trials take the default plan's days", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "tenantry-h-plans-config-"));
    const broken = path.join(dir, "broken.json");
    await writeFile(broken, file([plan({ limits: { memoryMb: 32, cpus: 1 } })]));
    let error: unknown;
    try {
      loadConfig({ PLANS_FILE: broken });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain("PLANS_FILE:");
    expect((error as Error).message).toContain(`${broken}: plans[0] "starter": limits.memoryMb must be at least 64 (MiB)`);
    const good = path.join(dir, "plans.json");
    await writeFile(good, file([plan({ trialDays: 14 })]));
    expect(loadConfig({ PLANS_FILE: good })).toMatchObject({ trialDays: 14, plans: { defaultPlan: { id: "starter" } } });
    expect(loadConfig({ PLANS_FILE: good, TRIAL_DAYS: "21" }).trialDays).toBe(21);
    expect(loadConfig({}).plans.all().map((p) => p.id)).toEqual(["starter", "pro", "enterprise"]);
  });

  it("looks plans up: legacy trial and unknown values read as the default plan for a subscription", () => {
    const catalogue = parsePlans(file([plan(), plan({ id: "pro", stripePrices: { monthly: "price_pro_m" } })]), "plans.json");
    expect(catalogue.get("trial")?.id).toBe("starter");
    expect(catalogue.get("gold")).toBeUndefined();
    expect(catalogue.forSubscription("gold").id).toBe("starter");
    expect(catalogue.forSubscription("pro").id).toBe("pro");
    expect(catalogue.byPriceId("price_pro_m")).toMatchObject({ plan: { id: "pro" }, interval: "month" });
    expect(catalogue.byPriceId("price_other")).toBeUndefined();
    expect(planResources(catalogue.get("pro")!)).toEqual({ memoryBytes: 512 * 1024 * 1024, nanoCpus: 1_000_000_000 });
  });

  it("a plan's limits replace every service's mem_limit and cpus, in the StackSpec and the compose text", async () => {
    const demo = (await loadTemplates(TEMPLATES_ROOT)).get("demo")!;
    const resources = { memoryBytes: 768 * 1024 * 1024, nanoCpus: 1_500_000_000 };
    const spec = renderStack(demo, { tenantId: "t", slug: "acme", values: demoValues, resources });
    expect(spec.services.map((s) => [s.name, s.memoryBytes, s.nanoCpus])).toEqual([
      ["postgres", 768 * 1024 * 1024, 1_500_000_000],
      ["app", 768 * 1024 * 1024, 1_500_000_000],
    ]);
    const compose = parse(spec.composeText) as { services: Record<string, { mem_limit: unknown; cpus: unknown }> };
    expect(Object.values(compose.services).map((s) => [s.mem_limit, s.cpus])).toEqual([
      [768 * 1024 * 1024, 1.5],
      [768 * 1024 * 1024, 1.5],
    ]);
    // Without a plan, the template's own limits.
    const own = renderStack(demo, { tenantId: "t", slug: "acme", values: demoValues });
    expect(own.services.map((s) => s.memoryBytes)).toEqual([512 * 1024 * 1024, 256 * 1024 * 1024]);
  });
});
