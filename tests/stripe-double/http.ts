// The Stripe API double's wire format: request bodies form-encoded with brackets as the stripe SDK
// sends them (`line_items[0][price]=…`, `subscription_data[metadata][k]=…`), decoded into nested
// objects and arrays; errors in Stripe's JSON shape `{"error": {type, code, message, param, doc_url}}`
// with Stripe's status codes (400 invalid request, 401 authentication, 404 unknown object or URL).
import type { IncomingMessage, ServerResponse } from "node:http";

export type FormValue = string | FormValue[] | { [key: string]: FormValue };
export type Form = { [key: string]: FormValue };

export class StripeDoubleError extends Error {
  constructor(
    readonly status: number,
    readonly body: { type: string; message: string; code?: string; param?: string; doc_url?: string },
  ) {
    super(body.message);
  }
}

export const invalidRequest = (message: string, param?: string, code?: string) =>
  new StripeDoubleError(400, {
    type: "invalid_request_error",
    message,
    ...(code ? { code, doc_url: `https://stripe.com/docs/error-codes/${code.replaceAll("_", "-")}` } : {}),
    ...(param ? { param } : {}),
  });

/** Stripe's 404 for an id it does not know: "No such price: 'price_x'", code resource_missing. */
export const noSuch = (objectName: string, id: string, param = "id") =>
  new StripeDoubleError(404, {
    type: "invalid_request_error",
    code: "resource_missing",
    doc_url: "https://stripe.com/docs/error-codes/resource-missing",
    message: `No such ${objectName}: '${id}'`,
    param,
  });

export const missingParam = (param: string) => invalidRequest(`Missing required param: ${param}.`, param, "parameter_missing");

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** Decodes `a[b][0][c]=v&…` (brackets encoded or not) into nested objects; numeric keys make arrays. */
export function decodeForm(text: string): Form {
  const root: Form = {};
  for (const [rawKey, value] of new URLSearchParams(text)) {
    const parts = /^([^[]+)((?:\[[^\]]*\])*)$/.exec(rawKey);
    if (!parts) continue;
    const path = [parts[1]!, ...[...parts[2]!.matchAll(/\[([^\]]*)\]/g)].map((m) => m[1]!)];
    let node: Record<string, FormValue> = root;
    path.forEach((key, i) => {
      if (i === path.length - 1) {
        node[key] = value;
        return;
      }
      node[key] ??= {};
      node = node[key] as Record<string, FormValue>;
    });
  }
  return arraysOf(root) as Form;
}

/** Objects whose keys are all 0..n-1 become arrays (the SDK's `arr[0]`, `arr[1]` encoding). */
function arraysOf(value: FormValue): FormValue {
  if (typeof value === "string" || Array.isArray(value)) return value;
  const keys = Object.keys(value);
  const mapped = Object.fromEntries(keys.map((k) => [k, arraysOf(value[k]!)]));
  if (keys.length > 0 && keys.every((k, i) => k === String(i))) return keys.map((k) => mapped[k]!);
  return mapped;
}

export function str(form: Form | undefined, key: string): string | undefined {
  const v = form?.[key];
  return typeof v === "string" ? v : undefined;
}

export function obj(form: Form | undefined, key: string): Form | undefined {
  const v = form?.[key];
  return v !== undefined && typeof v === "object" && !Array.isArray(v) ? (v as Form) : undefined;
}

export function list(form: Form | undefined, key: string): FormValue[] | undefined {
  const v = form?.[key];
  return Array.isArray(v) ? v : undefined;
}

/** A string-to-string metadata object (Stripe keeps metadata values as strings). */
export function metadataOf(form: Form | undefined): Record<string, string> {
  if (!form) return {};
  return Object.fromEntries(Object.entries(form).filter((e): e is [string, string] => typeof e[1] === "string"));
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body, null, 2);
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

export function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, { "Content-Type": "text/html; charset=utf-8", "Content-Length": String(Buffer.byteLength(html)) });
  res.end(html);
}

export function redirect(res: ServerResponse, location: string): void {
  res.writeHead(303, { Location: location, "Content-Length": "0" });
  res.end();
}

export const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
