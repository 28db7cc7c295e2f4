// Creating the customer's first login, as the manifest's initialUser describes: the orchestrator
// runs `command` (psql) in the database service's container and writes on its standard input
//
//   \set username 'ana o''brien'
//   \set password_hash '$2b$12$…'
//   INSERT INTO users (username, password_hash) VALUES (:'username', :'password_hash') …;
//
// The values never appear on a command line, in an environment or in the compose file. psql
// reads each \set argument with its own quoting rules (psqlQuote), and the SQL reads the
// variables only as :'name', which psql turns into a correctly escaped SQL literal: neither the
// username nor the hash can change the statement.
import { OrchestratorError } from "../errors.ts";
import type { Manifest } from "./manifest.ts";
import { substitutePlaceholders } from "./placeholders.ts";

export interface InitialUserPlan {
  service: string;
  user?: string;
  command: string[];
  /** Run once this readiness check has passed (the app has created its schema). */
  runAfter: string;
  /**
   * The values to pass, by psql variable name. `source` says which value; with a transform
   * (bcrypt, with its cost), pass the transformed value, never the password itself.
   */
  parameters: { name: string; source: "initial-username" | "initial-password"; transform?: { type: "bcrypt"; cost: number } }[];
  sql: string;
}

export function renderInitialUser(manifest: Manifest, values: ReadonlyMap<string, string>): InitialUserPlan {
  const { service, user, command, runAfter, parameters, sql } = manifest.initialUser;
  return {
    service,
    ...(user === undefined ? {} : { user }),
    command: command.map((part, index) => substitutePlaceholders(part, values, `manifest.json initialUser.command[${index}]`)),
    runAfter,
    parameters: parameters.map(({ name, source, transform }) => ({ name, source, ...(transform ? { transform } : {}) })),
    sql,
  };
}

/**
 * The standard input for the plan's psql command: one `\set` line per parameter, then the SQL.
 * `values` maps each parameter name to its final value (the bcrypt hash, not the password).
 */
export function initialUserStdin(plan: InitialUserPlan, values: Readonly<Record<string, string>>): string {
  const expected = plan.parameters.map((parameter) => parameter.name);
  const unexpected = Object.keys(values).filter((name) => !expected.includes(name));
  if (unexpected.length > 0) {
    throw new OrchestratorError(`initial user: unknown parameter(s) ${unexpected.join(", ")}; expected ${expected.join(", ")}.`, {
      transient: false,
    });
  }
  const lines = plan.parameters.map(({ name }) => {
    const value = values[name];
    if (value === undefined) {
      throw new OrchestratorError(`initial user: no value for parameter ${name}; pass every one of ${expected.join(", ")}.`, {
        transient: false,
      });
    }
    return `\\set ${name} ${psqlQuote(value, name)}`;
  });
  return `${lines.join("\n")}\n${plan.sql}\n`;
}

/**
 * A single-quoted argument of a psql meta-command: inside it psql turns '' into ' and a
 * backslash escapes the next character (\n, \r are newline and carriage return). A raw newline
 * would end the \set line, so it is written \n. Inside quotes, psql does not interpolate
 * :variables or run `backquoted` commands. NUL cannot be passed to psql at all.
 */
export function psqlQuote(value: string, name = "value"): string {
  if (value.includes("\0")) {
    throw new OrchestratorError(`initial user: ${name} contains a NUL character, which psql cannot receive.`, { transient: false });
  }
  const escaped = value.replaceAll("\\", "\\\\").replaceAll("'", "''").replaceAll("\n", "\\n").replaceAll("\r", "\\r");
  return `'${escaped}'`;
}

/** Load-time checks of the initial-user SQL and command (messages for the template's author). */
export function initialUserProblems(manifest: Manifest): string[] {
  const { sql, parameters, command } = manifest.initialUser;
  const problems: string[] = [];
  for (const { name } of parameters) {
    if (!sql.includes(`:'${name}'`)) {
      problems.push(`manifest.json initialUser.sql never reads parameter ${name} as :'${name}'`);
    }
    // :name and :"name" insert the value as SQL text or an identifier: an injection hole.
    if (new RegExp(`(?<!:):(?:"${name}"|${name}(?![A-Za-z0-9_]))`).test(sql)) {
      problems.push(`manifest.json initialUser.sql reads ${name} unquoted; write :'${name}' so psql quotes it as a literal`);
    }
  }
  // Only the command is substituted: a ${VAR} in the SQL would reach psql as typed.
  if (sql.includes("${")) {
    problems.push(`manifest.json initialUser.sql contains "\${": variables are not substituted there; pass values as parameters`);
  }
  // Without it psql carries on after a failed statement and exits 0: the job would believe the
  // user exists.
  if (!command.includes("ON_ERROR_STOP=1")) {
    problems.push(`manifest.json initialUser.command must pass "-v", "ON_ERROR_STOP=1" to psql`);
  }
  return problems;
}

