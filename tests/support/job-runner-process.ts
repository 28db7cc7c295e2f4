// A job runner in a process of its own, for tests that stall it for real (SIGSTOP) while another
// runner takes its job over. It claims the job named on its command line with a short lease and
// runs one step that, once the process is continued (SIGCONT), fails for good. Its compensation
// and markFailed only print a line: the test checks they never run. Run with
// `node --import tsx tests/support/job-runner-process.ts <postgres url> <worker id>`.
import { systemClock } from "../../orchestrator/clock.ts";
import { ImageMissingError } from "../../orchestrator/errors.ts";
import { claimNextJob } from "../../orchestrator/jobs/job-store.ts";
import { runClaimedJob } from "../../orchestrator/jobs/run-job.ts";
import { silentLogger } from "../../orchestrator/logger.ts";
import { openDatabase } from "../../prisma/database.ts";

const [databaseUrl, workerId] = process.argv.slice(2);
const db = await openDatabase({ databaseUrl: databaseUrl!, embeddedDir: "unused", poolSize: 4 });
const continued = new Promise<void>((resolve) => process.once("SIGCONT", () => resolve()));
const job = await claimNextJob(db.prisma, workerId!, new Date(), 1_000);
if (!job) throw new Error("the runner process found no job to claim");
await runClaimedJob(
  {
    prisma: db.prisma,
    clock: systemClock,
    logger: silentLogger,
    workerId: workerId!,
    leaseMs: 1_000,
    timeoutMs: 300_000,
    backoff: { baseMs: 1_000, maxMs: 30_000 },
    definitions: {
      provision: {
        steps: [
          {
            name: "deploy",
            async run() {
              console.log("step started");
              await continued;
              throw new ImageMissingError("vendor/app:1");
            },
          },
        ],
        compensate: async () => void console.log("COMPENSATED"),
        markFailed: async () => void console.log("MARKED FAILED"),
      },
    },
  },
  job,
);
console.log("runner ended");
await db.close();
