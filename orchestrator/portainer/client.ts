// Portainer's HTTP API with fetch: credentials on every call (session.ts), a timeout on each,
// repeats when Portainer does not answer (only where repeating is safe), every error status
// turned into our errors (errors.ts) and every JSON answer checked (schemas.ts).
import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import type { z } from "zod";
import type { Clock } from "../clock.ts";
import { DriverError } from "../errors.ts";
import type { OrchestratorLogger } from "../logger.ts";
import { apiError, gatewayError, PortainerApiError, type PortainerUnreachableError, unreachable } from "./errors.ts";
import { authAnswer, errorBody } from "./schemas.ts";
import { apiKeySession, jwtSession, type PortainerCredentials, type Session } from "./session.ts";

export interface PortainerClientOptions {
  /** Portainer's address, e.g. https://portainer.example.com (a path prefix is kept). */
  url: string;
  credentials: PortainerCredentials;
  clock: Clock;
  /** Bound on one ordinary request. Default 60 s. */
  requestTimeoutMs?: number;
  /** Attempts of a request that may be repeated when Portainer does not answer. Default 3. */
  attempts?: number;
  /** Delay before the second attempt, doubled for each further one. Default 500 ms. */
  retryDelayMs?: number;
  logger?: OrchestratorLogger;
}

export interface Call {
  method?: "GET" | "POST" | "PUT" | "DELETE";
  /** Below the base address, starting with /api. */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  json?: unknown;
  body?: { bytes: Uint8Array; contentType: string };
  /** What we were doing, for messages: "listing stacks". */
  action: string;
  /**
   * True when sending the request twice does no harm, so it is repeated when Portainer does not
   * answer. Default: true for GET. A request that never reached Portainer is always repeated.
   */
  idempotent?: boolean;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Values removed from any error message (the stack's secrets, which compose may echo). */
  secrets?: readonly string[];
  /** Public routes (/api/auth, /api/system/status) go without credentials. */
  anonymous?: boolean;
}

interface Answer {
  status: number;
  body: Buffer;
}

const GATEWAY_STATUSES = new Set([502, 503, 504]);

/** fetch got no answer at all; #call decides whether to try again, then describes it. */
class NoAnswer extends Error {
  constructor(override readonly cause: unknown) {
    super("no answer");
  }
}

export class PortainerClient {
  readonly #base: string;
  /** The address without credentials or query, for messages. */
  readonly target: string;
  readonly #session: Session;
  readonly #clock: Clock;
  readonly #timeoutMs: number;
  readonly #attempts: number;
  readonly #retryDelayMs: number;
  readonly #logger: OrchestratorLogger | undefined;

  constructor(options: PortainerClientOptions) {
    const url = new URL(options.url);
    url.username = "";
    url.password = "";
    url.search = "";
    url.hash = "";
    this.#base = url.toString().replace(/\/+$/, "");
    this.target = this.#base;
    this.#clock = options.clock;
    this.#timeoutMs = options.requestTimeoutMs ?? 60_000;
    this.#attempts = Math.max(1, options.attempts ?? 3);
    this.#retryDelayMs = options.retryDelayMs ?? 500;
    this.#logger = options.logger;
    const credentials = options.credentials;
    this.#session = "apiKey" in credentials ? apiKeySession(credentials.apiKey) : jwtSession(() => this.#login(credentials));
  }

  /** Calls and checks the JSON answer against `schema`. */
  async json<S extends z.ZodType>(schema: S, call: Call): Promise<z.infer<S>> {
    const answer = await this.#call(call);
    let parsed: unknown;
    try {
      parsed = JSON.parse(answer.body.toString("utf8"));
    } catch {
      throw this.#unexpected(call.action, "the answer is not JSON");
    }
    const checked = schema.safeParse(parsed);
    if (!checked.success) {
      const issue = checked.error.issues[0];
      throw this.#unexpected(call.action, `${issue?.path.join(".") || "(root)"}: ${issue?.message ?? "invalid"}`);
    }
    return checked.data as z.infer<S>;
  }

  /** Calls and returns the raw answer (logs, exec output). */
  async bytes(call: Call): Promise<Buffer> {
    return (await this.#call(call)).body;
  }

  /** Calls for the effect only. */
  async send(call: Call): Promise<void> {
    await this.#call(call);
  }

  /**
   * Calls once (never repeated: an exec started twice would run twice) and returns the answer's
   * body as a stream, for output of any size (a tenant backup's dump). No timeout bounds the body:
   * `call.signal` does. A 401 to a JWT renews it and sends the request again (Portainer refused it
   * before forwarding anything).
   */
  async stream(call: Call): Promise<Readable> {
    try {
      return await this.#stream(call);
    } catch (err) {
      if (err instanceof NoAnswer) throw unreachable(err.cause, this.target, call.action, 1);
      throw err;
    }
  }

  async #stream(call: Call): Promise<Readable> {
    const first = call.anonymous ? null : await this.#session.authorise(call.signal);
    let response = await this.#fetch(call, first?.headers ?? {}, call.signal);
    if (response.status === 401 && first && this.#session.renewable) {
      await response.body?.cancel();
      await this.#session.renew(first.token, call.signal);
      const second = await this.#session.authorise(call.signal);
      response = await this.#fetch(call, second.headers, call.signal);
    }
    if (response.status < 200 || response.status >= 300) {
      const answer = { status: response.status, body: Buffer.from(await response.arrayBuffer()) };
      if (GATEWAY_STATUSES.has(answer.status)) throw gatewayError(answer.status, this.target, call.action, 1);
      throw apiError(answer.status, this.#errorBody(answer), call.action, call.secrets ?? []);
    }
    return response.body ? Readable.fromWeb(response.body as WebReadableStream<Uint8Array>) : Readable.from([]);
  }

  async #call(call: Call): Promise<Answer> {
    const method = call.method ?? "GET";
    const idempotent = call.idempotent ?? method === "GET";
    for (let attempt = 1; ; attempt++) {
      let failure: PortainerUnreachableError;
      try {
        const answer = await this.#authorisedExchange(call);
        if (answer.status >= 200 && answer.status < 300) return answer;
        if (!GATEWAY_STATUSES.has(answer.status)) throw apiError(answer.status, this.#errorBody(answer), call.action, call.secrets ?? []);
        failure = gatewayError(answer.status, this.target, call.action, attempt);
      } catch (err) {
        if (!(err instanceof NoAnswer)) throw err;
        failure = unreachable(err.cause, this.target, call.action, attempt);
      }
      const again = attempt < this.#attempts && (idempotent || failure.failure === "refused");
      if (!again) throw failure;
      this.#logger?.debug("Portainer did not answer; trying again", { portainer: this.target, action: call.action, attempt });
      await this.#clock.sleep(this.#retryDelayMs * 2 ** (attempt - 1), call.signal);
    }
  }

  /** One exchange with credentials; a 401 to a JWT renews it (once) and sends the request again. */
  async #authorisedExchange(call: Call): Promise<Answer> {
    if (call.anonymous) return this.#exchange(call, {});
    const first = await this.#session.authorise(call.signal);
    const answer = await this.#exchange(call, first.headers);
    if (answer.status !== 401 || !this.#session.renewable) return answer;
    this.#logger?.info("Portainer refused Tenantry's session token (expired, or Portainer restarted); logging in again", {
      portainer: this.target,
    });
    await this.#session.renew(first.token, call.signal);
    const second = await this.#session.authorise(call.signal);
    return this.#exchange(call, second.headers);
  }

  async #exchange(call: Call, credentials: Record<string, string>): Promise<Answer> {
    const timeout = AbortSignal.timeout(call.timeoutMs ?? this.#timeoutMs);
    const signal = call.signal ? AbortSignal.any([call.signal, timeout]) : timeout;
    const response = await this.#fetch(call, credentials, signal);
    try {
      return { status: response.status, body: Buffer.from(await response.arrayBuffer()) };
    } catch (err) {
      call.signal?.throwIfAborted();
      throw new NoAnswer(err);
    }
  }

  /** One request; its body is left to the caller. */
  async #fetch(call: Call, credentials: Record<string, string>, signal: AbortSignal | undefined): Promise<Response> {
    const url = new URL(`${this.#base}${call.path}`);
    for (const [key, value] of Object.entries(call.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const headers: Record<string, string> = { Accept: "application/json", ...credentials };
    let body: string | Blob | undefined;
    if (call.json !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(call.json);
    } else if (call.body) {
      headers["Content-Type"] = call.body.contentType;
      body = new Blob([new Uint8Array(call.body.bytes)]);
    }
    try {
      // Never follow a redirect: it would carry the API key to wherever it points.
      return await fetch(url, { method: call.method ?? "GET", headers, body: body ?? null, signal: signal ?? null, redirect: "manual" });
    } catch (err) {
      // The job's own abort (deadline, lease lost) is not Portainer's failure.
      call.signal?.throwIfAborted();
      throw new NoAnswer(err);
    }
  }

  // Shared by every caller waiting for a token (session.ts), so it carries no caller's signal:
  // only its own timeout bounds it.
  async #login(credentials: { username: string; password: string }): Promise<string> {
    try {
      const { jwt } = await this.json(authAnswer, {
        method: "POST",
        path: "/api/auth",
        json: { Username: credentials.username, Password: credentials.password },
        action: "logging in",
        anonymous: true,
        // Each login counts towards Portainer's ban; a login that never arrived does not.
        idempotent: false,
      });
      this.#logger?.debug("logged in to Portainer", { portainer: this.target });
      return jwt;
    } catch (err) {
      if (err instanceof PortainerApiError && err.status === 403) {
        throw new DriverError(
          `Portainer at ${this.target} refuses logins from this address (HTTP 403 Access denied): it bans an address for ` +
            `an hour after more than 10 logins within a second. Wait for the ban to end, or give Tenantry an API key, ` +
            `which needs no login.`,
          { transient: false, setting: "portainer.credentials" },
        );
      }
      throw err;
    }
  }

  #errorBody(answer: Answer): { message: string; details: string } {
    const text = answer.body.toString("utf8");
    try {
      const parsed = errorBody.safeParse(JSON.parse(text));
      if (parsed.success) return { message: parsed.data.message, details: parsed.data.details ?? "" };
    } catch {
      // Not JSON: a reverse proxy's page, or a plain-text error.
    }
    return { message: text.trim().slice(0, 300) || `HTTP ${answer.status}`, details: "" };
  }

  #unexpected(action: string, what: string): DriverError {
    return new DriverError(
      `Portainer at ${this.target} answered ${action} with something Tenantry does not understand (${what}). ` +
        `Check that Tenantry's Portainer address points at Portainer itself (2.19 or newer), not at a login page or another service.`,
      { transient: false, setting: "portainer.url" },
    );
  }
}
