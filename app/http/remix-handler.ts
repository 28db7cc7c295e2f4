// Serves the Remix build from express, like @remix-run/express's handler, except that the body
// Remix reads is the one body-limit.ts already read and bounded, never the socket itself.
// URL, headers and the abort signal are built as that adapter builds them.
import {
  createRequestHandler,
  writeReadableStreamToWritable,
  type AppLoadContext,
  type ServerBuild,
} from "@remix-run/node";
import type { Request as ExpressRequest, RequestHandler, Response as ExpressResponse } from "express";
import { boundedBody } from "./body-limit";

export function remixHandler(options: {
  build: ServerBuild;
  getLoadContext: (req: ExpressRequest, res: ExpressResponse) => AppLoadContext;
}): RequestHandler {
  const handleRequest = createRequestHandler(options.build, options.build.mode);
  return async (req, res, next) => {
    try {
      const response = await handleRequest(fetchRequest(req, res), options.getLoadContext(req, res));
      res.statusMessage = response.statusText;
      res.status(response.status);
      for (const [key, value] of response.headers.entries()) res.append(key, value);
      if (response.body) await writeReadableStreamToWritable(response.body, res);
      else res.end();
    } catch (error) {
      next(error);
    }
  };
}

function fetchRequest(req: ExpressRequest, res: ExpressResponse): Request {
  // req.hostname follows `trust proxy` but drops the port: take it from the header it came from.
  const port = [req.get("X-Forwarded-Host"), req.get("Host")]
    .map((host) => Number.parseInt(host?.split(":")[1] ?? "", 10))
    .find((n) => Number.isSafeInteger(n));
  const url = new URL(`${req.protocol}://${req.hostname}${port ? `:${port}` : ""}${req.originalUrl}`);

  const headers = new Headers();
  for (const [key, values] of Object.entries(req.headers)) {
    if (values === undefined) continue;
    for (const value of Array.isArray(values) ? values : [values]) headers.append(key, value);
  }

  // Abort loaders and actions once no response can be written any more.
  const controller = new AbortController();
  res.on("close", () => {
    if (!res.writableFinished) controller.abort();
  });
  const body = boundedBody(req);
  return new Request(url.href, {
    method: req.method,
    headers,
    signal: controller.signal,
    ...(body === undefined ? {} : { body, duplex: "half" }),
  } as RequestInit);
}
