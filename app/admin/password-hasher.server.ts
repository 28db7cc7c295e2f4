// bcrypt off the event loop: a small pool of worker threads runs bcryptjs, so a burst of sign-ins
// cannot freeze the portal (one hash costs ~350 ms of CPU). Concurrency is bounded by the pool
// size and the waiting queue by MAX_QUEUED: past it, a request is refused at once (HasherBusyError)
// instead of piling up. The workers are started on first use and hold the process open only while
// they have work, so a command-line tool still exits when it is done.
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";

/** Hashes and checks run at once: at most 2, and never more than the machine's cores. */
export const POOL_SIZE = Math.max(1, Math.min(2, availableParallelism()));
/** Requests allowed to wait for a worker; more are refused with HasherBusyError. */
export const MAX_QUEUED = 64;

/** The pool's queue is full: the caller answers "busy, try again" without checking anything. */
export class HasherBusyError extends Error {
  override name = "HasherBusyError";
  constructor() {
    super("Too many password checks are waiting; try again in a few seconds.");
  }
}

type Task = { op: "hash"; password: string; cost: number } | { op: "compare"; password: string; hash: string };
interface Pending {
  task: Task;
  resolve(value: string | boolean): void;
  reject(error: Error): void;
}

// Inline source (eval): the Remix build bundles app/ into one file, so a separate worker file
// would not be found next to it. bcryptjs is resolved by the main thread and required here.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const bcrypt = require(workerData.bcryptPath);
parentPort.on("message", async (task) => {
  try {
    const value = task.op === "hash" ? await bcrypt.hash(task.password, task.cost) : await bcrypt.compare(task.password, task.hash);
    parentPort.postMessage({ ok: true, value });
  } catch (error) {
    parentPort.postMessage({ ok: false, message: String(error && error.message || error) });
  }
});
`;

class HasherPool {
  readonly #idle: Worker[] = [];
  readonly #queue: Pending[] = [];
  #started = 0;
  readonly #bcryptPath = createRequire(import.meta.url).resolve("bcryptjs");

  run(task: Task): Promise<string | boolean> {
    return new Promise((resolve, reject) => {
      const pending = { task, resolve, reject };
      const worker = this.#idle.pop() ?? this.#start();
      if (worker) return this.#dispatch(worker, pending);
      if (this.#queue.length >= MAX_QUEUED) return reject(new HasherBusyError());
      this.#queue.push(pending);
    });
  }

  #start(): Worker | undefined {
    if (this.#started >= POOL_SIZE) return undefined;
    this.#started++;
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { bcryptPath: this.#bcryptPath } });
    worker.unref();
    worker.on("error", () => {
      // A crashed worker is replaced on the next request; its task was rejected by "exit".
    });
    worker.once("exit", () => {
      this.#started--;
      const index = this.#idle.indexOf(worker);
      if (index >= 0) this.#idle.splice(index, 1);
      // Waiting requests get a fresh worker.
      const next = this.#queue.shift();
      const replacement = next ? this.#start() : undefined;
      if (next && replacement) this.#dispatch(replacement, next);
    });
    return worker;
  }

  #dispatch(worker: Worker, pending: Pending) {
    worker.ref();
    const onExit = () => pending.reject(new Error("the password worker stopped unexpectedly"));
    worker.once("exit", onExit);
    worker.once("message", (reply: { ok: boolean; value?: string | boolean; message?: string }) => {
      worker.off("exit", onExit);
      if (reply.ok) pending.resolve(reply.value!);
      else pending.reject(new Error(`password hashing failed: ${reply.message}`));
      const next = this.#queue.shift();
      if (next) return this.#dispatch(worker, next);
      worker.unref();
      this.#idle.push(worker);
    });
    worker.postMessage(pending.task);
  }
}

const pool = new HasherPool();

export async function hashPassword(password: string, cost: number): Promise<string> {
  return (await pool.run({ op: "hash", password, cost })) as string;
}

export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  return (await pool.run({ op: "compare", password, hash })) as boolean;
}
