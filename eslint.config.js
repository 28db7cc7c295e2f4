// ESLint: the walls of the design (docs/architecture.md, "The walls") kept by a machine instead of
// goodwill, plus a handful of rules that only ever catch bugs. No style rules: formatting and
// naming are left to review, so turning this on needed no mass edits.
//
// The walls:
// - orchestrator/ never imports app/ nor `@remix-run/*`, and reads no `process.env` (the portal
//   passes its configuration in);
// - app/ never imports dockerode nor orchestrator internals: only `orchestrator/index.ts`;
// - a route module (app/routes/) never imports another route module nor `~/root`: shared hooks
//   and components live outside app/routes/;
// - prisma/ imports neither app/ nor orchestrator/;
// - one writer per kind of row: `auditLog.create*` only in orchestrator/audit/, and
//   `provisioningJob.create*` only in orchestrator/jobs/job-requests.ts.
// tests/ may import anything; they are linted for the bug rules only.
// tests/unit/lint-walls.test.ts shows each wall failing on a forbidden form and the allowed forms passing.
import tseslint from "typescript-eslint";

const AUDIT_WRITER = ["orchestrator/audit/**"];
const JOB_WRITER = ["orchestrator/jobs/job-requests.ts"];

// Rules that flag only mistakes (never taste), chosen so the current tree passes them.
const bugRules = {
  "for-direction": "error",
  "no-async-promise-executor": "error",
  "no-compare-neg-zero": "error",
  "no-cond-assign": "error",
  "no-constant-binary-expression": "error",
  "no-dupe-else-if": "error",
  "no-dupe-keys": "error",
  "no-duplicate-case": "error",
  "no-empty-pattern": "error",
  "no-loss-of-precision": "error",
  "no-self-assign": "error",
  "no-self-compare": "error",
  "no-sparse-arrays": "error",
  "no-unreachable": "error",
  "no-unsafe-finally": "error",
  "no-unsafe-negation": "error",
  "use-isnan": "error",
  "valid-typeof": "error",
};

// Import paths, matched as written in the source (relative, `~/` alias or package name).
const appPaths = {
  regex: "^(~/|(\\.\\./)+app(/|$))",
  message: "orchestrator/ and prisma/ never import app/: pass what the orchestrator needs in through createOrchestrator's options (docs/architecture.md, The walls).",
};
const remixPaths = {
  regex: "^@remix-run/",
  message: "orchestrator/ never imports Remix: HTTP belongs to app/; return plain values and our own errors instead.",
};
const orchestratorPaths = {
  regex: "^(\\.\\./)+orchestrator(/|$)",
  message: "prisma/ never imports orchestrator/: the database layer knows only the schema and migrations.",
};
const orchestratorInternals = {
  regex: "^(\\.\\./)+orchestrator/(?!index(\\.ts)?$)",
  message: "app/ reaches the orchestrator through orchestrator/index.ts only: export what you need from there.",
};
const dockerode = {
  name: "dockerode",
  message: "app/ never talks to Docker: ask the orchestrator (orchestrator/index.ts), whose drivers own the engine.",
};
const otherRoutes = {
  regex: "^(~/routes/|~/root$|(\\.\\./)+(routes/|root$)|\\./)",
  message: "Routes never import routes (nor ~/root): move the shared hook or component out of app/routes/ (e.g. app/components/, app/i18n/).",
};
const processEnvImport = [
  { name: "process", importNames: ["env"], message: "orchestrator/ reads no environment: take the value as an option of createOrchestrator." },
  { name: "node:process", importNames: ["env"], message: "orchestrator/ reads no environment: take the value as an option of createOrchestrator." },
];

// One writer per kind of row (docs/architecture.md): the member call `<client>.auditLog.create…`
// and a nested `jobs: { create… }` inside another model's write.
const createCall = (model) =>
  `CallExpression > MemberExpression.callee[property.name=/^create/]:matches([object.property.name='${model}'], [object.name='${model}'])`;
const auditWrite = {
  selector: createCall("auditLog"),
  message: "Audit entries have one writer (orchestrator/audit/, exported by orchestrator/index.ts): call it with your transaction.",
};
const jobWrite = {
  selector: createCall("provisioningJob"),
  message: "Jobs have one writer (orchestrator/jobs/job-requests.ts, exported by orchestrator/index.ts): call it with your transaction.",
};
const nestedJobWrite = {
  selector: "Property[key.name='jobs'] > ObjectExpression > Property[key.name=/^(create|createMany|connectOrCreate)$/]",
  message: "Jobs are created by one module: create the tenant, then call orchestrator/jobs/job-requests.ts with the same transaction.",
};

export default [
  {
    ignores: ["**/node_modules/**", "build/**", "public/build/**", ".cache/**", "prisma/generated/**", "test-results/**", "compose-templates/**"],
  },
  {
    files: ["**/*.{ts,tsx,js,mjs,cjs}"],
    languageOptions: {
      parser: tseslint.parser,
      ecmaVersion: "latest",
      sourceType: "module",
      parserOptions: { ecmaFeatures: { jsx: true } },
    },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: bugRules,
  },

  // One writer per kind of row, everywhere but tests (which set up rows directly).
  {
    files: ["app/**", "orchestrator/**", "prisma/**", "scripts/**"],
    rules: { "no-restricted-syntax": ["error", auditWrite, jobWrite, nestedJobWrite] },
  },
  { files: AUDIT_WRITER, rules: { "no-restricted-syntax": ["error", jobWrite, nestedJobWrite] } },
  { files: JOB_WRITER, rules: { "no-restricted-syntax": ["error", auditWrite] } },

  // orchestrator/: no app/, no Remix, no environment.
  {
    files: ["orchestrator/**"],
    rules: {
      "no-restricted-imports": ["error", { paths: processEnvImport, patterns: [appPaths, remixPaths] }],
      "no-restricted-properties": [
        "error",
        { object: "process", property: "env", message: "orchestrator/ reads no environment: take the value as an option of createOrchestrator (the portal reads it in app/config.server.ts)." },
      ],
    },
  },

  // app/: no dockerode, the orchestrator by its front door only; routes import no routes.
  {
    files: ["app/**"],
    rules: { "no-restricted-imports": ["error", { paths: [dockerode], patterns: [orchestratorInternals] }] },
  },
  {
    files: ["app/routes/**"],
    rules: { "no-restricted-imports": ["error", { paths: [dockerode], patterns: [orchestratorInternals, otherRoutes] }] },
  },

  // prisma/: the schema's own code, nothing above it.
  {
    files: ["prisma/**"],
    rules: { "no-restricted-imports": ["error", { patterns: [appPaths, orchestratorPaths] }] },
  },
];
