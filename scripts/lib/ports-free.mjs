// Says whether listen addresses are free, for scripts/start-caddy.sh: Caddy binds its ports with
// SO_REUSEPORT, so a second Caddy (a system one, another quick start) on the same port would start
// without an error and share the connections. A plain bind here (no SO_REUSEPORT) fails on any
// port already held, whoever holds it.
// Usage: node scripts/lib/ports-free.mjs <host:port>... ; exit 0 when all are free, else 1 and the
// taken ones on stdout, space-separated.
import { createServer } from "node:net";

function free(address) {
  const match = /^(.*):(\d{1,5})$/.exec(address);
  if (!match) return Promise.resolve(false);
  const host = match[1].replace(/^\[(.*)\]$/, "$1");
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen({ port: Number(match[2]), ...(host ? { host } : {}), exclusive: true }, () => server.close(() => resolve(true)));
  });
}

const taken = [];
for (const address of process.argv.slice(2)) if (!(await free(address))) taken.push(address);
if (taken.length > 0) {
  console.log(taken.join(" "));
  process.exit(1);
}
