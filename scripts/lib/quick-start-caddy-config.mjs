// Writes the quick start's Caddy configuration for scripts/start-caddy.sh: its admin address, and
// the tenants' server (the @id and name the orchestrator uses, orchestrator/proxy/caddy-admin.ts)
// on the tenants' address, so that Caddy binds that port at start. The server's routes are taken
// from Caddy's own autosave of the last run, so tenants answer again as soon as `npm start` is
// back instead of after the reconciler's next pass (which then corrects any that changed meanwhile).
// Usage: node scripts/lib/quick-start-caddy-config.mjs <config out> <admin host:port> <listen> <autosave.json>
// Prints how many routes it took over.
import { readFileSync, writeFileSync } from "node:fs";

const [out, admin, listen, autosave] = process.argv.slice(2);
if (!out || !admin || !listen || !autosave) {
  console.error("usage: quick-start-caddy-config.mjs <config out> <admin host:port> <listen> <autosave.json>");
  process.exit(2);
}

let routes = [];
try {
  const saved = JSON.parse(readFileSync(autosave, "utf8"));
  const previous = saved?.apps?.http?.servers?.tenantry_tenants?.routes;
  if (Array.isArray(previous)) routes = previous;
} catch {
  // No autosave yet (first start) or an unreadable one: the reconciler puts the routes back.
}

const port = Number(/:(\d{1,5})$/.exec(listen)?.[1]);
const server = {
  "@id": "tenantry-tenants",
  listen: [listen],
  routes,
  // Plain HTTP on any port but 443, as the orchestrator's ensureServer sets it.
  ...(port === 443 ? {} : { automatic_https: { disable: true } }),
};
const config = { admin: { listen: admin, config: { persist: true } }, apps: { http: { servers: { tenantry_tenants: server } } } };
writeFileSync(out, `${JSON.stringify(config, null, 2)}\n`);
console.log(routes.length);
