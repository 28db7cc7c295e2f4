// Reads and checks the plan catalogue at boot, so that a broken file stops the portal with a
// message naming the file and the entry (`plans.json: plans[1] "pro": limits.memoryMb must be …`)
// instead of failing a signup or a webhook later. Beyond the schema: unique ids, a default plan
// that exists, and each Stripe price id used once (a webhook's price must name one plan).
import { readFileSync } from "node:fs";
import { OrchestratorError } from "../errors.ts";
import { planCatalog, type PlanCatalog } from "./catalog.ts";
import { plansFileSchema } from "./plan-schema.ts";

/** The catalogue file is missing, not JSON, or breaks a rule; the message lists every problem. */
export class PlansError extends OrchestratorError {
  override name = "PlansError";
  constructor(message: string) {
    super(message, { transient: false });
  }
}

export function loadPlans(file: string): PlanCatalog {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new PlansError(`Cannot read the plans file ${file} (${(error as Error).message}); check the configured path.`);
  }
  return parsePlans(text, file);
}

export function parsePlans(text: string, file: string): PlanCatalog {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new PlansError(`${file} is not valid JSON (${(error as Error).message}); fix its syntax.`);
  }
  const result = plansFileSchema.safeParse(json);
  const problems = result.success
    ? crossEntryProblems(result.data)
    : result.error.issues.map((issue) => `${where(json, issue.path)}${issue.message}`);
  if (problems.length > 0 || !result.success) {
    throw new PlansError(`${file} is invalid; fix:\n${problems.map((problem) => `${file}: ${problem}`).join("\n")}`);
  }
  return planCatalog(file, result.data);
}

/** `plans[1] "pro": limits.memoryMb ` for an issue inside a plan, `defaultPlan ` for one outside. */
function where(json: unknown, path: readonly PropertyKey[]): string {
  if (path.length === 0) return "(top level) ";
  if (path[0] === "plans" && typeof path[1] === "number") {
    const rest = path.slice(2).map(String).join(".");
    return `${entryName(json, path[1])}: ${rest === "" ? "" : `${rest} `}`;
  }
  return `${path.map(String).join(".")} `;
}

function entryName(json: unknown, index: number): string {
  const plans = (json as { plans?: unknown } | null)?.plans;
  const id = Array.isArray(plans) ? (plans[index] as { id?: unknown } | null)?.id : undefined;
  return typeof id === "string" ? `plans[${index}] "${id}"` : `plans[${index}]`;
}

function crossEntryProblems(data: { defaultPlan: string; plans: { id: string; stripePrices?: { monthly?: string; yearly?: string } }[] }): string[] {
  const problems: string[] = [];
  const seen = new Map<string, number>();
  const prices = new Map<string, string>();
  data.plans.forEach((plan, index) => {
    const name = `plans[${index}] "${plan.id}"`;
    const earlier = seen.get(plan.id);
    if (earlier !== undefined) problems.push(`${name}: id is already used by plans[${earlier}]; give each plan its own id`);
    else seen.set(plan.id, index);
    for (const [interval, price] of Object.entries(plan.stripePrices ?? {})) {
      if (price === undefined) continue;
      const owner = prices.get(price);
      if (owner) problems.push(`${name}: stripePrices.${interval} ${price} is already used by ${owner}; each Stripe price belongs to one plan and interval`);
      else prices.set(price, `${name} (${interval})`);
    }
  });
  if (!seen.has(data.defaultPlan)) {
    problems.push(`defaultPlan "${data.defaultPlan}" is not the id of a plan in the list (${[...seen.keys()].join(", ")})`);
  }
  return problems;
}
