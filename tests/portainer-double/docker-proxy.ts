// Portainer's Docker proxy for a local (socket) environment: /api/endpoints/{id}/docker/<path> is
// forwarded to the Docker socket with its query string, an optional /vX.Y prefix stripped, and
// Docker's status and body returned unchanged (reference §7). Like Portainer's dockerLocalProxy
// it forwards one request body and streams one response back: a hijacked connection (HTTP
// upgrade, what exec needs to carry stdin) does not get through.
//
// Only the Engine API paths the Portainer driver uses are forwarded; any other answers 501 so
// that a driver change needing more shows up here instead of passing unnoticed. Portainer's
// decorations of lists (Portainer.ResourceControl, IsPortainer) are not added.
import { request, type IncomingMessage } from "node:http";
import { PortainerHttpError, portainerError, readBody, type Reply } from "./http.ts";

const FORWARDED: [string, RegExp][] = [
  ["GET", /^\/_ping$/],
  ["HEAD", /^\/_ping$/],
  ["GET", /^\/containers\/json$/],
  ["GET", /^\/containers\/[^/]+\/json$/],
  ["GET", /^\/containers\/[^/]+\/logs$/],
  ["GET", /^\/containers\/[^/]+\/stats$/],
  ["POST", /^\/containers\/[^/]+\/exec$/],
  ["PUT", /^\/containers\/[^/]+\/archive$/],
  ["DELETE", /^\/containers\/[^/]+$/],
  ["POST", /^\/containers\/[^/]+\/update$/],
  ["POST", /^\/exec\/[^/]+\/start$/],
  ["GET", /^\/exec\/[^/]+\/json$/],
  ["GET", /^\/volumes$/],
  ["DELETE", /^\/volumes\/[^/]+$/],
  ["GET", /^\/networks$/],
  ["GET", /^\/system\/df$/],
  ["GET", /^\/images\/.+\/json$/],
  ["DELETE", /^\/networks\/[^/]+$/],
];

/** Forwards `dockerPath` (below /docker, query included) to the engine's socket. */
export async function forwardToDocker(req: IncomingMessage, reply: Reply, socketPath: string, dockerPath: string, search: string): Promise<void> {
  const path = dockerPath.replace(/^\/v\d+\.\d+(?=\/)/, "");
  const method = req.method ?? "GET";
  if (!FORWARDED.some(([m, pattern]) => m === method && pattern.test(path))) {
    reply.error(
      new PortainerHttpError(
        501,
        `The Portainer test double does not forward ${method} ${path}; add it to tests/portainer-double/docker-proxy.ts if the driver needs it`,
        "Not implemented by the test double",
      ),
    );
    return;
  }
  // Read whole, then sent in one write: the bodies here are small (JSON, a one-file tar), and
  // dockerd closed the connection on a body streamed after its headers (EPIPE).
  const body = await readBody(req);
  return new Promise((resolve) => {
    const contentType = req.headers["content-type"];
    const headers: Record<string, string> = { "content-length": String(body.length), ...(contentType ? { "content-type": contentType } : {}) };
    const upstream = request({ socketPath, path: `${path}${search}`, method, headers, agent: false }, (answer) => {
      reply.res.statusCode = answer.statusCode ?? 500;
      if (reply.lose) {
        reply.res.socket?.destroy();
        answer.resume();
        resolve();
        return;
      }
      const answerType = answer.headers["content-type"];
      reply.res.writeHead(answer.statusCode ?? 500, { ...reply.headers, ...(answerType ? { "Content-Type": answerType } : {}) });
      answer.pipe(reply.res);
      answer.on("end", resolve);
      answer.on("error", () => {
        reply.res.destroy();
        resolve();
      });
    });
    upstream.on("error", (error) => {
      if (!reply.res.headersSent) reply.error(portainerError(500, "Unable to proxy the request via the Docker socket", error.message));
      else reply.res.destroy();
      resolve();
    });
    upstream.end(body);
  });
}
