// Portainer's compose stacks (reference §4-§6), in both deployment models:
// - "sync" follows 2.23 (read in full; up to at least 2.39 LTS): create, update and start block
//   until compose has finished; create saves the record only if compose up succeeded, and a
//   failed create or update runs compose down (the created containers go, volumes stay) and
//   answers 500 with compose's error; statuses are 1 active and 2 inactive.
// - "async" follows the newest source (API 2.44): create and update answer at once with status 3
//   and deploy in the background, ending in 1, or 4 with the error in DeploymentStatus (no
//   compose down); 409 on update, start or stop while deploying; start checks the status first.
// In both, every deployment on the instance goes through one mutex, names are normalised
// (lower case, [-_a-z0-9] only) and unique per environment (409), ids only go up (a failed
// create uses one up), stop is compose down, delete is compose down plus the record (204) and
// keeps named volumes.
import type { Authenticated } from "./auth.ts";
import type { ComposeEngine, Pair } from "./compose.ts";
import { field, notFoundInDatabase, numericQuery, portainerError } from "./http.ts";

export type DeployMode = "sync" | "async";

export const STATUS = { active: 1, inactive: 2, deploying: 3, error: 4 } as const;

export interface StackRecord {
  Id: number;
  Name: string;
  Type: 2;
  EndpointId: number;
  SwarmId: string;
  EntryPoint: string;
  Env: Pair[] | null;
  ResourceControl: Record<string, unknown>;
  Status: number;
  ProjectPath: string;
  CreationDate: number;
  CreatedBy: string;
  UpdateDate: number;
  UpdatedBy: string;
  AdditionalFiles: null;
  AutoUpdate: null;
  Option: null;
  GitConfig: null;
  FromAppTemplate: boolean;
  Namespace: string;
  DeploymentStatus?: { Status: number; Time: number; Message?: string }[];
}

export interface Environment {
  Id: number;
  Name: string;
  Type: number;
  URL: string;
  engine: ComposeEngine;
}

type Result = { status: number; body?: unknown };

/** Portainer's NormalizeStackName. */
export function normalizeStackName(name: string): string {
  return name.toLowerCase().replace(/[^-_a-z0-9]/g, "");
}

function parsePairs(value: unknown): Pair[] | null {
  if (!Array.isArray(value)) return null;
  return value.map((item) => {
    const entry = (item ?? {}) as Record<string, unknown>;
    return { name: String(field(entry, "name") ?? ""), value: String(field(entry, "value") ?? "") };
  });
}

export class StackStore {
  readonly records = new Map<number, StackRecord>();
  readonly files = new Map<number, string>();
  #sequence = 0;
  #mutex: Promise<unknown> = Promise.resolve();
  /** Background deployments (async mode), so tests can wait for them before cleaning up. */
  readonly background = new Set<Promise<void>>();

  constructor(
    private readonly mode: () => DeployMode,
    private readonly environments: Map<number, Environment>,
    private readonly now: () => number = Date.now,
  ) {}

  /** Portainer runs one deployment at a time per instance. */
  serialized<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#mutex.then(work, work);
    this.#mutex = run.catch(() => undefined);
    return run;
  }

  #seconds(): number {
    return Math.floor(this.now() / 1000);
  }

  #environment(url: URL, required: boolean): Environment {
    const id = numericQuery(url, "endpointId", !required);
    const env = id === undefined ? undefined : this.environments.get(id);
    if (!env) throw notFoundInDatabase("Unable to find an environment with the specified identifier inside the database");
    return env;
  }

  #stack(id: number): StackRecord {
    const record = this.records.get(id);
    if (!record) throw notFoundInDatabase("Unable to find a stack with the specified identifier inside the database");
    return record;
  }

  #failed(record: StackRecord, message: string): void {
    record.Status = STATUS.error;
    record.DeploymentStatus = [...(record.DeploymentStatus ?? []), { Status: STATUS.error, Time: this.#seconds(), Message: message }];
  }

  #deployFailureText(error: unknown): string {
    const text = error instanceof Error ? error.message : String(error);
    return this.mode() === "async" ? `failed to deploy a stack: compose up operation failed: ${text}` : `failed to deploy a stack: ${text}`;
  }

  list(url: URL): Result {
    const raw = url.searchParams.get("filters");
    let endpointId: number | undefined;
    if (raw) {
      let filters: unknown;
      try {
        filters = JSON.parse(raw);
      } catch {
        throw portainerError(400, "Invalid query parameter: filters", "invalid character in filters");
      }
      const value = (filters as Record<string, unknown>)["EndpointID"];
      if (value !== undefined && typeof value !== "number") throw portainerError(400, "Invalid query parameter: filters", "json: cannot unmarshal string into Go struct field");
      endpointId = value as number | undefined;
    }
    const all = [...this.records.values()].filter((s) => endpointId === undefined || s.EndpointId === endpointId);
    return { status: 200, body: all };
  }

  inspect(id: number): Result {
    return { status: 200, body: this.#stack(id) };
  }

  file(id: number): Result {
    this.#stack(id);
    return { status: 200, body: { StackFileContent: this.files.get(id) ?? "" } };
  }

  async create(url: URL, payload: Record<string, unknown>, auth: Authenticated): Promise<Result> {
    const env = this.#environment(url, true);
    if (auth.user.role !== 1) throw portainerError(403, "Stack creation is disabled for non-admin users");
    const rawName = field(payload, "Name");
    const file = field(payload, "StackFileContent");
    if (typeof rawName !== "string" || rawName === "") throw portainerError(400, "Invalid request payload", "invalid stack name");
    if (typeof file !== "string" || file === "") throw portainerError(400, "Invalid request payload", "invalid stack file content");
    const name = normalizeStackName(rawName);

    // checkUniqueStackNameInDocker: a stack of that name on this environment, or containers with
    // that project label, make the name "not unique"; only a stack record is then a conflict.
    let containers: number;
    try {
      containers = await env.engine.projectContainers(name);
    } catch (error) {
      throw portainerError(500, "Unable to check for name collision", (error as Error).message);
    }
    const sameName = [...this.records.values()].filter((s) => s.Name.toLowerCase() === name);
    if ((containers > 0 || sameName.some((s) => s.EndpointId === env.Id)) && sameName.length > 0) {
      throw portainerError(409, `A stack with the normalized name '${name}' already exists`);
    }

    const id = ++this.#sequence;
    const record: StackRecord = {
      Id: id,
      Name: name,
      Type: 2,
      EndpointId: env.Id,
      SwarmId: "",
      EntryPoint: "docker-compose.yml",
      Env: parsePairs(field(payload, "Env")),
      ResourceControl: { Id: id, ResourceId: `${env.Id}_${name}`, SubResourceIds: [], Type: 6, UserAccesses: [], TeamAccesses: [], Public: false, AdministratorsOnly: true, System: false },
      Status: STATUS.active,
      ProjectPath: `/data/compose/${id}`,
      CreationDate: this.#seconds(),
      CreatedBy: auth.user.username,
      UpdateDate: 0,
      UpdatedBy: "",
      AdditionalFiles: null,
      AutoUpdate: null,
      Option: null,
      GitConfig: null,
      FromAppTemplate: Boolean(field(payload, "FromAppTemplate")),
      Namespace: "",
    };

    if (this.mode() === "sync") {
      await this.serialized(async () => {
        try {
          await env.engine.up(name, file, record.Env);
        } catch (error) {
          await env.engine.down(name).catch(() => undefined);
          const text = this.#deployFailureText(error);
          throw portainerError(500, text, text);
        }
      });
      this.records.set(id, record);
      this.files.set(id, file);
      return { status: 200, body: record };
    }

    record.Status = STATUS.deploying;
    record.DeploymentStatus = [{ Status: STATUS.deploying, Time: this.#seconds() }];
    this.records.set(id, record);
    this.files.set(id, file);
    this.#inBackground(record, () => env.engine.up(name, file, record.Env));
    return { status: 200, body: record };
  }

  #inBackground(record: StackRecord, work: () => Promise<void>, rollback?: () => void): void {
    const run = this.serialized(async () => {
      try {
        await work();
        record.Status = STATUS.active;
        record.DeploymentStatus = [...(record.DeploymentStatus ?? []), { Status: STATUS.active, Time: this.#seconds() }];
      } catch (error) {
        rollback?.();
        this.#failed(record, this.#deployFailureText(error));
      }
    });
    this.background.add(run);
    void run.finally(() => this.background.delete(run));
  }

  async update(id: number, url: URL, payload: Record<string, unknown>, auth: Authenticated): Promise<Result> {
    const env = this.#environment(url, true);
    const record = this.#stack(id);
    if (auth.user.role !== 1) throw portainerError(403, "Stack editing is disabled for non-admin users");
    const file = field(payload, "StackFileContent");
    if (typeof file !== "string" || file === "") throw portainerError(400, "Invalid request payload", "invalid stack file content");
    // Env replaces the stored list; absent or null clears it (reference §6.7).
    record.Env = parsePairs(field(payload, "Env"));
    // A different endpointId re-points the stack to it.
    record.EndpointId = env.Id;
    const previous = this.files.get(id) ?? "";
    const stamp = () => {
      record.UpdateDate = this.#seconds();
      record.UpdatedBy = auth.user.username;
    };

    if (this.mode() === "sync") {
      await this.serialized(async () => {
        try {
          this.files.set(id, file);
          await env.engine.up(record.Name, file, record.Env);
        } catch (error) {
          // Since 2.16 a failed update also runs compose down; the file is rolled back, the status kept.
          this.files.set(id, previous);
          await env.engine.down(record.Name).catch(() => undefined);
          const text = this.#deployFailureText(error);
          throw portainerError(500, text, text);
        }
      });
      record.Status = STATUS.active;
      stamp();
      return { status: 200, body: record };
    }

    if (record.Status === STATUS.deploying) throw portainerError(409, "Unable to update stack", "stack deployment is already in progress");
    const wasError = record.Status === STATUS.error;
    record.Status = STATUS.deploying;
    record.DeploymentStatus = [{ Status: STATUS.deploying, Time: this.#seconds() }];
    this.files.set(id, file);
    stamp();
    this.#inBackground(
      record,
      async () => {
        // An update of a stack in error first undeploys it.
        if (wasError) await env.engine.down(record.Name);
        await env.engine.up(record.Name, file, record.Env);
      },
      () => this.files.set(id, previous),
    );
    return { status: 200, body: record };
  }

  async stop(id: number, url: URL, auth: Authenticated): Promise<Result> {
    const env = this.#environment(url, true);
    const record = this.#stack(id);
    if (auth.user.role !== 1) throw portainerError(403, "Stack management is disabled for non-admin users");
    if (this.mode() === "async" && record.Status === STATUS.deploying) throw portainerError(409, "Stack deployment is in progress");
    if (record.Status === STATUS.inactive) throw portainerError(400, "Stack is already inactive");
    try {
      await env.engine.down(record.Name);
    } catch (error) {
      if (this.mode() === "async") this.#failed(record, (error as Error).message);
      throw portainerError(500, "Unable to stop stack", (error as Error).message);
    }
    record.Status = STATUS.inactive;
    return { status: 200, body: record };
  }

  async start(id: number, url: URL, auth: Authenticated): Promise<Result> {
    const env = this.#environment(url, true);
    const record = this.#stack(id);
    if (auth.user.role !== 1) throw portainerError(403, "Stack management is disabled for non-admin users");
    if (this.mode() === "async") {
      if (record.Status === STATUS.active) throw portainerError(409, "Unable to start stack", "stack is already active");
      if (record.Status === STATUS.deploying) throw portainerError(409, "Stack deployment is already in progress");
      if (record.Status === STATUS.error) {
        const last = [...(record.DeploymentStatus ?? [])].reverse().find((d) => d.Message)?.Message ?? "stack is in error";
        throw portainerError(409, last);
      }
    }
    const running = await env.engine.projectContainers(record.Name);
    const other = [...this.records.values()].some((s) => s.Id !== id && s.EndpointId === env.Id && s.Name.toLowerCase() === record.Name);
    if (running > 0 || other) throw portainerError(409, `A stack with the name '${record.Name}' is already running`);
    if (record.Status === STATUS.active) throw portainerError(400, "Stack is already active");
    await this.serialized(async () => {
      try {
        await env.engine.up(record.Name, this.files.get(id) ?? "", record.Env);
      } catch (error) {
        if (this.mode() === "async") this.#failed(record, this.#deployFailureText(error));
        throw portainerError(500, "Unable to start stack", (error as Error).message);
      }
    });
    record.Status = STATUS.active;
    return { status: 200, body: record };
  }

  async delete(id: number, url: URL): Promise<Result> {
    // Without endpointId the stack is treated as orphaned; for an admin that is environment 0: 404.
    const env = this.#environment(url, false);
    const record = this.#stack(id);
    try {
      await env.engine.down(record.Name);
    } catch (error) {
      throw portainerError(500, "Unable to remove stack", (error as Error).message);
    }
    this.records.delete(id);
    this.files.delete(id);
    return { status: 204 };
  }
}
