// The walls of the design as the linter keeps them (eslint.config.js, docs/architecture.md "The
// walls"): each forbidden form, placed in a file of the part it is forbidden in, fails the lint
// with the wall's rule; the allowed forms pass. The code is linted with ESLint's own Node API and
// the repository's configuration, as `npm run lint` does; the paths need not exist.
import { fileURLToPath } from "node:url";
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
const eslint = new ESLint({ cwd: root });

async function problems(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  if (!result) throw new Error(`ESLint returned no result for ${filePath}`);
  return result.messages.map((m) => `${m.ruleId ?? "fatal"}: ${m.message}`);
}

describe("orchestrator/ walls", () => {
  it("an import of app/ fails the lint", async () => {
    expect(await problems("orchestrator/lifecycle/x.ts", `import { loadConfig } from "../../app/config.server.ts";\nloadConfig();\n`)).toEqual([
      expect.stringMatching(/^no-restricted-imports: .*never import app\//),
    ]);
    expect(await problems("orchestrator/x.ts", `import { translator } from "~/i18n/messages";\ntranslator;\n`)).toEqual([
      expect.stringMatching(/^no-restricted-imports: /),
    ]);
  });

  it("an import of Remix fails the lint", async () => {
    expect(await problems("orchestrator/x.ts", `import { json } from "@remix-run/node";\njson;\n`)).toEqual([
      expect.stringMatching(/^no-restricted-imports: .*Remix/),
    ]);
  });

  it("a process.env read fails the lint, however it is written", async () => {
    for (const code of [
      `export const url = process.env.DATABASE_URL;\n`,
      `const { env } = process;\nexport const url = env.DATABASE_URL;\n`,
      `import { env } from "node:process";\nexport const url = env.DATABASE_URL;\n`,
    ]) {
      expect(await problems("orchestrator/jobs/x.ts", code), code).toEqual([
        expect.stringMatching(/^no-restricted-(properties|imports): .*reads no environment/),
      ]);
    }
  });

  it("its own modules, packages and process outside env pass", async () => {
    const code = [
      `import Docker from "dockerode";`,
      `import { z } from "zod";`,
      `import { prisma } from "../../prisma/database.ts";`,
      `import { render } from "../templates/index.ts";`,
      `export const pid = process.pid;`,
      `export { Docker, z, prisma, render };`,
      ``,
    ].join("\n");
    expect(await problems("orchestrator/lifecycle/x.ts", code)).toEqual([]);
  });
});

describe("app/ walls", () => {
  it("dockerode imported from app/ fails the lint", async () => {
    expect(await problems("app/models/x.server.ts", `import Docker from "dockerode";\nnew Docker();\n`)).toEqual([
      expect.stringMatching(/^no-restricted-imports: .*never talks to Docker/),
    ]);
  });

  it("an orchestrator internal imported from app/ fails the lint", async () => {
    expect(await problems("app/models/x.server.ts", `import { DockerDriver } from "../../orchestrator/docker/driver.ts";\nDockerDriver;\n`)).toEqual([
      expect.stringMatching(/^no-restricted-imports: .*orchestrator\/index\.ts only/),
    ]);
  });

  it("the orchestrator's front door, its own modules and Prisma's generated types pass", async () => {
    const code = [
      `import { createOrchestrator } from "../orchestrator/index.ts";`,
      `import type { Prisma } from "../prisma/generated/client.ts";`,
      `import { loadConfig } from "./config.server";`,
      `import { translator } from "~/i18n/messages";`,
      `export type P = Prisma.TenantWhereInput;`,
      `export { createOrchestrator, loadConfig, translator };`,
      ``,
    ].join("\n");
    expect(await problems("app/boot.server.ts", code)).toEqual([]);
  });
});

describe("app/routes/ walls", () => {
  it("a route importing a route fails the lint, by alias or relative path", async () => {
    for (const source of ["~/routes/admin", "./admin", "~/root", "../root"]) {
      const code = `import { useAdmin } from "${source}";\nuseAdmin;\n`;
      expect(await problems("app/routes/admin.tenants.$id.tsx", code), source).toEqual([
        expect.stringMatching(/^no-restricted-imports: .*Routes never import routes/),
      ]);
    }
  });

  it("a route importing models, components, i18n and the orchestrator's front door passes", async () => {
    const code = [
      `import { json } from "@remix-run/node";`,
      `import { useLoaderData } from "@remix-run/react";`,
      `import { CsrfInput } from "~/components/csrf";`,
      `import { tenantDetail } from "~/models/admin-tenants.server";`,
      `import type { Orchestrator } from "../../orchestrator/index.ts";`,
      `export type O = Orchestrator;`,
      `export function Page() { return <CsrfInput token={String(useLoaderData())} />; }`,
      `export { json, tenantDetail };`,
      ``,
    ].join("\n");
    expect(await problems("app/routes/admin.tenants.$id.tsx", code)).toEqual([]);
  });
});

describe("prisma/ walls", () => {
  it("an import of app/ or orchestrator/ fails the lint", async () => {
    for (const source of ["../app/config.server.ts", "../orchestrator/index.ts"]) {
      expect(await problems("prisma/x.ts", `import { x } from "${source}";\nx;\n`), source).toEqual([
        expect.stringMatching(/^no-restricted-imports: /),
      ]);
    }
  });
});

describe("one writer per kind of row", () => {
  const audit = `export async function f(tx) {\n  await tx.auditLog.create({ data: {} });\n}\n`;
  const job = `export async function f(tx) {\n  await tx.provisioningJob.create({ data: {} });\n}\n`;

  it("an auditLog.create outside the audit writer fails the lint, in app/ and in orchestrator/", async () => {
    for (const file of ["app/models/x.server.ts", "orchestrator/lifecycle/x.ts", "orchestrator/jobs/job-requests.ts"]) {
      expect(await problems(file, audit), file).toEqual([expect.stringMatching(/^no-restricted-syntax: Audit entries have one writer/)]);
    }
    expect(await problems("app/x.ts", `export const f = (p) => p.auditLog.createMany({ data: [] });\n`)).toEqual([
      expect.stringMatching(/^no-restricted-syntax: Audit entries have one writer/),
    ]);
  });

  it("a provisioningJob.create outside the job writer fails the lint, nested writes included", async () => {
    for (const file of ["app/models/signup.server.ts", "orchestrator/index.ts", "orchestrator/audit/write.ts"]) {
      expect(await problems(file, job), file).toEqual([expect.stringMatching(/^no-restricted-syntax: Jobs have one writer/)]);
    }
    const nested = `export const f = (tx) => tx.tenant.create({ data: { slug: "a", jobs: { create: { kind: "provision" } } } });\n`;
    expect(await problems("app/models/signup.server.ts", nested)).toEqual([expect.stringMatching(/^no-restricted-syntax: Jobs are created by one module/)]);
  });

  it("the writer modules may write their rows; reads and tests are free", async () => {
    expect(await problems("orchestrator/audit/write.ts", audit)).toEqual([]);
    expect(await problems("orchestrator/jobs/job-requests.ts", job)).toEqual([]);
    const reads = `export const f = (p) => Promise.all([p.auditLog.findMany(), p.provisioningJob.count(), p.provisioningJob.update({ where: { id: "j" }, data: {} })]);\n`;
    expect(await problems("app/models/x.server.ts", reads)).toEqual([]);
    expect(await problems("tests/db/x.test.ts", audit + job.replace("function f", "function g"))).toEqual([]);
  });
});

describe("tests/", () => {
  it("may import anything, and TypeScript with JSX still parses", async () => {
    const code = [
      `import Docker from "dockerode";`,
      `import { DockerDriver } from "../../orchestrator/docker/driver.ts";`,
      `import { useLocale } from "../../app/root.tsx";`,
      `const n = <T,>(x: T): T => x;`,
      `export const e = process.env.TEST_POSTGRES_URL satisfies string | undefined;`,
      `export { Docker, DockerDriver, useLocale, n };`,
      ``,
    ].join("\n");
    expect(await problems("tests/e2e/x.test.ts", code)).toEqual([]);
  });

  it("a plain bug still fails everywhere (no-self-compare)", async () => {
    expect(await problems("tests/unit/x.test.ts", `export const f = (x: number) => x === x;\n`)).toEqual([
      expect.stringMatching(/^no-self-compare: /),
    ]);
  });
});
