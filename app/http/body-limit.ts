// One size limit for every request body, enforced before Remix reads it: a declared
// Content-Length over the limit is refused at once (the body is never read); a chunked body is
// counted as it arrives and cut at the limit. Either way the client gets a 413 and the connection
// is closed, and at most `limitBytes` of a body is ever held in memory. An accepted body is kept
// (≤ limit) and handed to Remix by remix-handler.ts, so nothing downstream reads the socket again.
import type { RequestHandler, Request as ExpressRequest } from "express";
import { sendRefusal } from "./refusal";

const BODY = Symbol("tenantry.boundedBody");
type WithBody = ExpressRequest & { [BODY]?: Buffer };

/** Methods that carry no body (Remix does not read one either). */
export function carriesBody(method: string): boolean {
  return method !== "GET" && method !== "HEAD";
}

export function limitRequestBodies(limitBytes: number): RequestHandler {
  return (req, res, next) => {
    if (!carriesBody(req.method)) return next();
    const declared = req.get("Content-Length");
    if (declared !== undefined && !(Number(declared) <= limitBytes)) {
      sendRefusal(req, res, "too_large", { closeConnection: true });
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const stopListening = () => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
      req.off("close", onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limitBytes) {
        chunks.push(chunk);
        return;
      }
      stopListening();
      chunks.length = 0;
      // The rest of the body is read and dropped (flowing, no listener) until the socket closes.
      req.on("data", () => {});
      sendRefusal(req, res, "too_large", { closeConnection: true });
    };
    const onEnd = () => {
      stopListening();
      (req as WithBody)[BODY] = Buffer.concat(chunks, size);
      next();
    };
    const onError = () => stopListening(); // the client went away: nobody to answer
    const onClose = () => stopListening();
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
    req.on("close", onClose);
  };
}

/** The body limitRequestBodies accepted and kept, or undefined for a request without one. */
export function boundedBody(req: ExpressRequest): Buffer | undefined {
  return carriesBody(req.method) ? (req as WithBody)[BODY] : undefined;
}
