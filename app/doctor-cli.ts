// `npm run doctor`: tells the operator what is misconfigured before customers find out. One line
// per check ("ok" or "PROBLEM"), and under each problem its fix, naming the variable to set or the
// command to run; exit code 1 when there is any problem, 0 otherwise. It only reads: it never
// migrates the database, creates the key, pulls an image or sends an email. No secret is printed
// (URLs without their password). Operator output, in English.
import { checkProxy } from "./doctor/caddy";
import { passed, type DoctorCheck } from "./doctor/check";
import { checkConfiguration } from "./doctor/configuration";
import { checkDatabase } from "./doctor/database";
import { checkEngineAndPorts } from "./doctor/engine";
import { checkSecrets } from "./doctor/secrets";
import { checkMail } from "./doctor/smtp";

async function runChecks(print: (check: DoctorCheck) => void): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  const record = (check: DoctorCheck) => {
    checks.push(check);
    print(check);
  };
  const { check, config } = checkConfiguration(process.env);
  record(check);
  if (!config) return checks;
  const db = await checkDatabase(config);
  db.checks.forEach(record);
  try {
    (await checkEngineAndPorts(config)).forEach(record);
    record(await checkMail(config));
    record(await checkProxy(config));
    record(await checkSecrets(config, db.database, db.skipped));
  } finally {
    await db.database?.close();
  }
  return checks;
}

function printCheck(check: DoctorCheck): void {
  const [first = "", ...rest] = check.detail.split("\n");
  console.log(`${check.ok ? "ok      " : "PROBLEM "} ${check.name}: ${first}`);
  for (const line of rest) console.log(`         ${line}`);
  if (!check.ok) console.log(`         fix: ${check.fix}`);
}

async function main() {
  console.log("Tenantry doctor: checking this installation's configuration (nothing is changed)");
  const checks = await runChecks(printCheck);
  const problems = checks.filter((check) => !check.ok);
  console.log(problems.length === 0 ? "No problem found." : `${problems.length} problem(s) found: fix them, then run \`npm run doctor\` again.`);
  process.exitCode = problems.length === 0 ? 0 : 1;
}

main().catch((error: unknown) => {
  // A check that failed in an unforeseen way is itself a problem: say which and stop.
  printCheck({ ...passed("doctor", `a check could not run: ${error instanceof Error ? error.message : String(error)}`), ok: false, fix: "Report this with the line above; the other checks did not run." });
  process.exitCode = 1;
});
