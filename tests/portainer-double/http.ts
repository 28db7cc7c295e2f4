// The shapes Portainer's handlers answer with (pkg/libhttp): JSON bodies, errors as
// {"message", "details"} where details is the underlying Go error text with its first letter
// capitalised, and the query-parameter parsing errors of its request helpers.
import type { IncomingMessage, ServerResponse } from "node:http";

export class PortainerHttpError extends Error {
  constructor(
    readonly status: number,
    override readonly message: string,
    readonly details: string,
  ) {
    super(message);
  }
}

const capitalise = (text: string) => (text ? text[0]!.toUpperCase() + text.slice(1) : text);

/** An error as a Portainer handler returns it; `goError` is the wrapped Go error's text. */
export function portainerError(status: number, message: string, goError = message): PortainerHttpError {
  return new PortainerHttpError(status, message, capitalise(goError));
}

export const notFoundInDatabase = (message: string) => portainerError(404, message, "object not found inside the database");

/**
 * One reply per request. `lose` models a response lost on the way back: the request was fully
 * handled, then the connection is closed without an answer.
 */
export class Reply {
  readonly headers: Record<string, string> = {};
  constructor(
    readonly res: ServerResponse,
    readonly lose: boolean,
    private readonly onStatus: (status: number) => void,
  ) {}

  json(status: number, body: unknown): void {
    this.#send(status, "application/json", Buffer.from(JSON.stringify(body)));
  }

  error(err: PortainerHttpError): void {
    this.json(err.status, { message: err.message, details: err.details });
  }

  empty(status: number): void {
    this.#send(status, undefined, Buffer.alloc(0));
  }

  text(status: number, text: string): void {
    this.#send(status, "text/plain; charset=utf-8", Buffer.from(text));
  }

  #send(status: number, contentType: string | undefined, body: Buffer): void {
    this.onStatus(status);
    if (this.lose) {
      this.res.socket?.destroy();
      return;
    }
    this.res.writeHead(status, { ...this.headers, ...(contentType ? { "Content-Type": contentType } : {}), "Content-Length": String(body.length) });
    this.res.end(body);
  }
}

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** JSON payload decoding: Portainer's decoder ignores unknown fields and matches names case-insensitively. */
export function decodePayload(body: Buffer): Record<string, unknown> {
  try {
    const value = JSON.parse(body.toString("utf8")) as unknown;
    if (typeof value === "object" && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw portainerError(400, "Invalid request payload", "invalid JSON payload");
}

export function field(payload: Record<string, unknown>, name: string): unknown {
  const key = Object.keys(payload).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : payload[key];
}

/** RetrieveNumericQueryParameter: missing (when required) or not a number is a 400. */
export function numericQuery(url: URL, name: string, optional = false): number | undefined {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === "") {
    if (optional) return undefined;
    throw portainerError(400, `Invalid query parameter: ${name}`, "missing query parameter");
  }
  if (!/^-?\d+$/.test(raw)) throw portainerError(400, `Invalid query parameter: ${name}`, `strconv.Atoi: parsing ${JSON.stringify(raw)}: invalid syntax`);
  return Number(raw);
}

export function routeId(text: string, what: "stack" | "environment"): number {
  if (!/^\d+$/.test(text)) {
    throw portainerError(400, `Invalid ${what === "stack" ? "stack" : "environment"} identifier route variable`, `strconv.Atoi: parsing ${JSON.stringify(text)}: invalid syntax`);
  }
  return Number(text);
}
