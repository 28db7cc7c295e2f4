// manifest.json: what the orchestrator must know about a compose template that the compose file
// cannot say. Its variables (who provides each value), which services are the app and its
// database, the readiness checks to run after deploying, how the first login is created, and
// (optionally) how the database is dumped before a terminated tenant is removed.
// Every object is strict: an unknown or misspelt key is an error, never silently ignored.
import { z } from "zod";
import { TemplateError } from "../errors.ts";

const variableName = z
  .string()
  .regex(/^[A-Z][A-Z0-9_]*$/, "variable names are capitals, digits and underscores, starting with a letter");

const serviceName = z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, "must be the key of a service in the compose file");

const description = z.string().min(1);

const slugPattern = z.string().refine(compiles, "must be a valid JavaScript regular expression");

/** The tenant's slug, given by the orchestrator; prefixes every container, network and volume name. */
const tenantVariable = z.strictObject({
  name: z.literal("SLUG", { error: "the one tenant variable is named SLUG" }),
  kind: z.literal("tenant"),
  description,
  /** Checked in addition to the base rule (lowercase letters, digits and inner dashes). */
  pattern: slugPattern.optional(),
});

/**
 * Generated once per tenant by the orchestrator (generateSecret), stored encrypted and never
 * regenerated. Hex and unpadded base64url are safe unquoted in URLs, YAML, shells and
 * connection strings; at least 16 bytes gives 128 bits of entropy.
 */
export const secretGenerationSchema = z.strictObject({
  bytes: z.int().min(16, "at least 16 bytes (128 bits)").max(512),
  encoding: z.enum(["hex", "base64url"]),
});

const secretVariable = z.strictObject({
  name: variableName,
  kind: z.literal("generated-secret"),
  description,
  generate: secretGenerationSchema,
});

/** A host port the orchestrator reserves for the tenant from its pool. */
const portVariable = z.strictObject({
  name: variableName,
  kind: z.literal("port"),
  description,
});

/** A setting of the vendor's installation (image names, limits); the default applies unless configured. */
const configVariable = z.strictObject({
  name: variableName,
  kind: z.literal("config"),
  description,
  default: z.string(),
});

const variableSchema = z.discriminatedUnion("kind", [tenantVariable, secretVariable, portVariable, configVariable]);

const pollTiming = {
  intervalSeconds: z.number().positive(),
  timeoutSeconds: z.number().positive(),
};

const readinessId = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "lowercase letters, digits and dashes");

/** A command run in a service's container (driver.exec, no shell), retried until it gives `expect`. */
const execCheck = z.strictObject({
  id: readinessId,
  description,
  type: z.literal("exec"),
  service: serviceName,
  user: z.string().min(1).optional(),
  command: z.array(z.string()).min(1),
  expect: z.strictObject({
    exitCode: z.int().default(0),
    /** Compared with the command's standard output once leading and trailing whitespace is removed. */
    stdoutTrimmed: z.string().optional(),
  }),
  ...pollTiming,
});

/** An HTTP request to the port a service publishes for `containerPort`, retried until it gives `expect`. */
const httpCheck = z.strictObject({
  id: readinessId,
  description,
  type: z.literal("http"),
  service: serviceName,
  containerPort: z.int().min(1).max(65535),
  method: z.literal("GET").default("GET"),
  path: z.string().startsWith("/"),
  expect: z.strictObject({ status: z.int().min(100).max(599) }),
  ...pollTiming,
});

const readinessCheckSchema = z.discriminatedUnion("type", [execCheck, httpCheck]);

/**
 * A value the orchestrator passes to the initial-user SQL: the customer's login, or the password
 * it generated (usually hashed first, so that only the hash reaches the database).
 */
const initialUserParameter = z.strictObject({
  /** A psql variable name: the SQL reads it as :'name' (a quoted literal). */
  name: z.string().regex(/^[a-z_][a-z0-9_]*$/, "a psql variable name: lowercase letters, digits, underscores"),
  source: z.enum(["initial-username", "initial-password"]),
  transform: z.strictObject({ type: z.literal("bcrypt"), cost: z.int().min(10).max(15) }).optional(),
  description,
});

/** See initial-user.ts for how the orchestrator builds psql's standard input. */
const initialUserSchema = z.strictObject({
  description,
  type: z.literal("psql-stdin"),
  service: serviceName,
  user: z.string().min(1).optional(),
  command: z.array(z.string()).min(1),
  /** The id of the readiness check after which the user is created (the schema exists then). */
  runAfter: readinessId,
  parameters: z.array(initialUserParameter).min(1),
  sql: z.string().min(1),
});

/**
 * How the tenant's database is dumped before termination (dump.ts): `command` runs in `service`'s
 * container as `user` (no shell; its standard output is the dump, plain text such as pg_dump's
 * SQL). It runs as the container's local user, so no password is ever on its command line.
 */
const dumpSchema = z.strictObject({
  description,
  service: serviceName,
  user: z.string().min(1).optional(),
  command: z.array(z.string()).min(1),
});

export const manifestSchema = z
  .strictObject({
    schemaVersion: z.literal(1),
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "lowercase letters, digits and dashes (the folder's name)"),
    name: z.string().min(1),
    description,
    /** A file in the template's folder. */
    composeFile: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*\.ya?ml$/, "a .yml or .yaml file name in the template's folder")
      .default("compose.yml"),
    /** Which compose services are the tenant's app and its PostgreSQL database. */
    roles: z.strictObject({ app: serviceName, database: serviceName }),
    /** Only the app publishes a port by default; a template must ask for the database to. */
    publishDatabasePort: z.boolean().default(false),
    variables: z.array(variableSchema).min(1),
    readiness: z.array(readinessCheckSchema),
    initialUser: initialUserSchema,
    /** Absent: a terminated tenant is removed without a final dump. */
    dump: dumpSchema.optional(),
    /**
     * How a tenant backup is loaded back (orchestrator/tenant-backup/): `command` runs like the dump's,
     * reads the dump on its standard input and replaces the app's database with it (dropped and
     * created again first). Absent: tenant backups cannot be restored.
     */
    restore: dumpSchema.optional(),
    /**
     * Exact row counts of the app's tables, recorded with each tenant backup: `command` prints one
     * line per table, "<table>\t<count>". Absent: backups record no counts.
     */
    rowCounts: dumpSchema.optional(),
  })
  .superRefine((manifest, context) => {
    const names = manifest.variables.map((variable) => variable.name);
    for (const name of new Set(names)) {
      if (names.filter((other) => other === name).length > 1) {
        context.addIssue({ code: "custom", path: ["variables"], message: `${name} is declared more than once` });
      }
    }
    if (!manifest.variables.some((variable) => variable.kind === "tenant")) {
      context.addIssue({ code: "custom", path: ["variables"], message: `declare SLUG with kind "tenant"` });
    }
    const ids = manifest.readiness.map((check) => check.id);
    for (const id of new Set(ids)) {
      if (ids.filter((other) => other === id).length > 1) {
        context.addIssue({ code: "custom", path: ["readiness"], message: `check id ${id} is used more than once` });
      }
    }
    if (!ids.includes(manifest.initialUser.runAfter)) {
      context.addIssue({
        code: "custom",
        path: ["initialUser", "runAfter"],
        message: `names no readiness check (known: ${ids.join(", ") || "none"})`,
      });
    }
  });

export type Manifest = z.infer<typeof manifestSchema>;
export type ManifestVariable = Manifest["variables"][number];
export type VariableKind = ManifestVariable["kind"];
export type SecretGeneration = z.infer<typeof secretGenerationSchema>;
export type ManifestReadinessCheck = Manifest["readiness"][number];
export type ManifestInitialUser = Manifest["initialUser"];
export type ManifestDump = NonNullable<Manifest["dump"]>;

/** Parses and validates manifest.json's text; `file` only serves error messages. */
export function parseManifest(text: string, file: string): Manifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new TemplateError(`${file} is not valid JSON (${(error as Error).message}). Fix its syntax.`);
  }
  const result = manifestSchema.safeParse(json);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const path = issue.path.map(String).join(".");
      return ` - ${path === "" ? "(top level)" : path}: ${issue.message}`;
    });
    throw new TemplateError(`${file} does not match the manifest schema; fix:\n${problems.join("\n")}`);
  }
  return result.data;
}

/**
 * What the orchestrator must reserve for a new tenant before rendering: the secrets to generate
 * (once, then stored) and the host ports to allocate. Config variables fall back to their defaults.
 */
export function variablesToReserve(manifest: Manifest): {
  secrets: { name: string; generate: SecretGeneration }[];
  ports: string[];
} {
  const secrets: { name: string; generate: SecretGeneration }[] = [];
  const ports: string[] = [];
  for (const variable of manifest.variables) {
    if (variable.kind === "generated-secret") secrets.push({ name: variable.name, generate: variable.generate });
    if (variable.kind === "port") ports.push(variable.name);
  }
  return { secrets, ports };
}

function compiles(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}
