// Prints vitest's counts, of one report or of the lanes npm test runs, as one closing line
// "tests: N passed, N failed, N skipped", so that whoever reads the end of a CI log sees every total.
import { readFileSync } from "node:fs";

const files = process.argv.length > 2 ? process.argv.slice(2) : ["test-results/vitest.json"];
const reports = [];
for (const file of files) {
  try {
    reports.push(JSON.parse(readFileSync(file, "utf8")));
  } catch (error) {
    console.error(`No test report at ${file} (${error.message}): vitest did not finish.`);
    process.exit(1);
  }
}
const sum = (key) => reports.reduce((total, report) => total + (report[key] ?? 0), 0);
const passed = sum("numPassedTests");
const failed = sum("numFailedTests") + sum("numRuntimeErrorTestSuites");
const skipped = sum("numPendingTests") + sum("numTodoTests");
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
if (passed === 0) {
  console.error("No test ran: that is a failure, not a success.");
  process.exit(1);
}
