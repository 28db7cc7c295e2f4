// Rules a template must follow beyond the compose subset, checked at load against its manifest:
// variables declared and used, per-tenant names, which services may publish ports, and no value
// that could reach a shell or a command line where it must not.
import { isMap } from "./compose-subset.ts";
import type { Manifest } from "./manifest.ts";
import { mapStrings, placeholdersIn, type Tree } from "./placeholders.ts";

type TreeMap = { [key: string]: Tree };

// Reserved for the labels the orchestrator writes itself (compose's and ours).
const RESERVED_LABEL_PREFIXES = ["com.docker.compose.", "io.tenantry."];

export function templateRuleProblems(manifest: Manifest, compose: TreeMap, composeFile: string): string[] {
  const problems: string[] = [];
  const services = isMap(compose["services"]) ? compose["services"] : {};
  variableProblems(manifest, compose, composeFile, problems);
  roleProblems(manifest, services, problems);
  namingProblems(compose, services, composeFile, problems);
  portProblems(manifest, services, composeFile, problems);
  for (const [name, service] of Object.entries(services)) {
    if (!isMap(service)) continue;
    labelAndEnvironmentProblems(service, `${composeFile}: services.${name}`, problems);
    shellHealthcheckProblems(service["healthcheck"], `${composeFile}: services.${name}.healthcheck.test`, problems);
  }
  for (const section of ["networks", "volumes"] as const) {
    const declared = compose[section];
    for (const [key, options] of Object.entries(isMap(declared) ? declared : {})) {
      if (isMap(options)) labelAndEnvironmentProblems(options, `${composeFile}: ${section}.${key}`, problems);
    }
  }
  return problems;
}

// Every ${VAR} declared, every declared variable used: a typo would otherwise deploy an empty
// value, and an unused variable usually means a template that does not do what its manifest says.
function variableProblems(manifest: Manifest, compose: TreeMap, composeFile: string, problems: string[]): void {
  const used = new Map<string, string>(); // name → first place it is used
  const collect = (text: string, where: string) => {
    try {
      for (const name of placeholdersIn(text, where)) if (!used.has(name)) used.set(name, where);
    } catch (error) {
      problems.push((error as Error).message);
    }
    return text;
  };
  mapStrings(compose, (text, path) => collect(text, `${composeFile}: ${path}`));

  const kinds = new Map(manifest.variables.map((variable) => [variable.name, variable.kind]));
  const commands = [
    ...manifest.readiness.flatMap((check, index) =>
      check.type === "exec" ? [{ command: check.command, where: `manifest.json readiness[${index}].command` }] : [],
    ),
    { command: manifest.initialUser.command, where: "manifest.json initialUser.command" },
    ...(manifest.dump ? [{ command: manifest.dump.command, where: "manifest.json dump.command" }] : []),
    ...(manifest.restore ? [{ command: manifest.restore.command, where: "manifest.json restore.command" }] : []),
    ...(manifest.rowCounts ? [{ command: manifest.rowCounts.command, where: "manifest.json rowCounts.command" }] : []),
  ];
  for (const { command, where } of commands) {
    command.forEach((part, index) => {
      const at = `${where}[${index}]`;
      collect(part, at);
      for (const name of safePlaceholders(part)) {
        // Command lines are visible to anyone who can list processes or inspect an exec.
        if (kinds.get(name) === "generated-secret") problems.push(`${at} passes the secret ${name} on a command line; pass it on standard input`);
      }
    });
  }
  for (const [name, where] of used) {
    if (!kinds.has(name)) problems.push(`${where} uses \${${name}}, which manifest.json does not declare: declare it under variables`);
  }
  for (const name of kinds.keys()) {
    if (!used.has(name)) problems.push(`manifest.json declares ${name}, which nothing uses: use it in ${composeFile} or remove it`);
  }
}

function roleProblems(manifest: Manifest, services: TreeMap, problems: string[]): void {
  const known = Object.keys(services).join(", ");
  const references = [
    { service: manifest.roles.app, where: "roles.app" },
    { service: manifest.roles.database, where: "roles.database" },
    ...manifest.readiness.map((check, index) => ({ service: check.service, where: `readiness[${index}].service` })),
    { service: manifest.initialUser.service, where: "initialUser.service" },
    ...(manifest.dump ? [{ service: manifest.dump.service, where: "dump.service" }] : []),
    ...(manifest.restore ? [{ service: manifest.restore.service, where: "restore.service" }] : []),
    ...(manifest.rowCounts ? [{ service: manifest.rowCounts.service, where: "rowCounts.service" }] : []),
  ];
  for (const { service, where } of references) {
    if (!(service in services)) problems.push(`manifest.json ${where} names "${service}", which is not a service (services: ${known})`);
  }
  if (manifest.roles.app === manifest.roles.database) problems.push("manifest.json roles.app and roles.database must be different services");
}

// Per-tenant names: container `${SLUG}-<service>`, network and volume `${SLUG}-<key>`. The slug
// makes names unique between tenants, and any tool finds a tenant's resources by its slug.
function namingProblems(compose: TreeMap, services: TreeMap, composeFile: string, problems: string[]): void {
  const namespaces: { keys: string[]; where: (key: string) => string; name: (key: string) => Tree | undefined }[] = [
    {
      keys: Object.keys(services),
      where: (key) => `services.${key}.container_name`,
      name: (key) => (isMap(services[key]) ? services[key]["container_name"] : undefined),
    },
    ...(["networks", "volumes"] as const).map((section) => {
      const declared = isMap(compose[section]) ? compose[section] : {};
      return {
        keys: Object.keys(declared),
        where: (key: string) => `${section}.${key}.name`,
        name: (key: string) => (isMap(declared[key]) ? declared[key]["name"] : undefined),
      };
    }),
  ];
  for (const { keys, where, name } of namespaces) {
    for (const key of keys) {
      // The key ends the real name: it must be as safe as the slug (DNS, Docker, compose).
      if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(key)) {
        problems.push(`${composeFile}: ${where(key).replace(/\.[a-z_]+$/, "")}: "${key}" must be lowercase letters, digits and inner dashes`);
      }
      const actual = name(key);
      if (actual !== `\${SLUG}-${key}`) {
        problems.push(`${composeFile}: ${where(key)} must be "\${SLUG}-${key}" (got ${JSON.stringify(actual ?? null)})`);
      }
      // Slugs contain dashes: with volumes "data" and "postgres-data", tenant "acme"'s
      // acme-postgres-data would also be tenant "acme-postgres"'s data volume.
      for (const other of keys) {
        if (key.endsWith(`-${other}`)) {
          problems.push(`${composeFile}: ${where(key)} and ${where(other)} could name two tenants' resources alike; rename one key`);
        }
      }
    }
  }
}

// Only the app publishes a port (and the database if the manifest asks), always on a port the
// orchestrator allocated: a fixed host port would collide with the next tenant's.
function portProblems(manifest: Manifest, services: TreeMap, composeFile: string, problems: string[]): void {
  const publishers = new Map<string, string>(); // port variable → where it is published
  const kinds = new Map(manifest.variables.map((variable) => [variable.name, variable.kind]));
  for (const [name, service] of Object.entries(services)) {
    if (!isMap(service) || service["ports"] === undefined) continue;
    const at = `${composeFile}: services.${name}.ports`;
    const allowed = name === manifest.roles.app || (name === manifest.roles.database && manifest.publishDatabasePort);
    if (!allowed) {
      problems.push(
        name === manifest.roles.database
          ? `${at}: the database publishes a port; set "publishDatabasePort": true in manifest.json if that is intended`
          : `${at}: only the app service (${manifest.roles.app}) publishes ports`,
      );
      continue;
    }
    const ports = Array.isArray(service["ports"]) ? service["ports"] : [];
    ports.forEach((port, index) => {
      const hostPort = typeof port === "string" ? /:\$\{([A-Z][A-Z0-9_]*)\}:[^:]+$/.exec(port)?.[1] : undefined;
      if (hostPort === undefined || kinds.get(hostPort) !== "port") {
        problems.push(
          `${at}[${index}] must be "IP:\${PORT_VARIABLE}:CONTAINER_PORT" with a variable of kind "port" as the host port, ` +
            `e.g. "\${APP_BIND_ADDRESS}:\${APP_PORT}:8080"`,
        );
        return;
      }
      const other = publishers.get(hostPort);
      if (other !== undefined) problems.push(`${at}[${index}]: \${${hostPort}} is already published by ${other}; declare another port variable`);
      publishers.set(hostPort, `${at}[${index}]`);
    });
  }
}

function labelAndEnvironmentProblems(resource: TreeMap, at: string, problems: string[]): void {
  for (const key of ["labels", "environment"]) {
    const entries = resource[key];
    const names = Array.isArray(entries)
      ? entries.map((entry) => (typeof entry === "string" ? entry.split("=")[0]! : ""))
      : isMap(entries)
        ? Object.keys(entries)
        : [];
    for (const name of names) {
      if (name.includes("$")) problems.push(`${at}.${key}: "${name}": variables are substituted in values only, never in names`);
      if (key === "labels" && RESERVED_LABEL_PREFIXES.some((prefix) => name.startsWith(prefix))) {
        problems.push(`${at}.labels: ${name} is reserved for the labels the orchestrator sets itself; use another prefix`);
      }
    }
  }
}

// A CMD-SHELL test runs through a shell in the container, so a substituted value could run
// commands there. The CMD form passes each value as one argument.
function shellHealthcheckProblems(healthcheck: Tree | undefined, at: string, problems: string[]): void {
  if (!isMap(healthcheck)) return;
  const test = healthcheck["test"];
  const shell = typeof test === "string" ? test : Array.isArray(test) && test[0] === "CMD-SHELL" ? test[1] : undefined;
  if (typeof shell === "string" && safePlaceholders(shell).length > 0) {
    problems.push(`${at}: a CMD-SHELL test must not contain variables (a value would run through a shell); use ["CMD", …]`);
  }
}

function safePlaceholders(text: string): string[] {
  try {
    return placeholdersIn(text, "");
  } catch {
    return []; // reported where the text was collected
  }
}
