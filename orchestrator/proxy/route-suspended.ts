// What a suspended (or expired) tenant's hostname answers behind Caddy (issue 14): a 503 with a
// small HTML page, in French and English, naming the vendor and saying how to get the instance back,
// instead of a connection error. Pure: route-steps.ts puts this route in Caddy in place of the app's.
import { tenantRouteId, type CaddyRoute } from "./tenant-route.ts";

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

/** The suspended page's HTML, for the vendor's name. */
export function suspendedPageHtml(vendorName: string): string {
  const vendor = escapeHtml(vendorName);
  return `<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Instance suspendue / Instance suspended — ${vendor}</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#222}h1{font-size:1.4rem}section+section{margin-top:2rem;border-top:1px solid #ddd;padding-top:1rem}</style>
</head><body>
<section lang="fr"><h1>Cette instance est suspendue</h1>
<p>Vos données sont conservées. Pour la retrouver, contactez ${vendor} ou souscrivez un abonnement depuis l'e-mail que vous avez reçu.</p></section>
<section lang="en"><h1>This instance is suspended</h1>
<p>Your data is kept. To get it back, contact ${vendor} or subscribe from the email you received.</p></section>
</body></html>
`;
}

/** The route answering the tenant's hostnames with the suspended page (503). */
export function suspendedRoute(input: { tenantId: string; hostnames: readonly string[]; vendorName: string }): CaddyRoute {
  if (input.hostnames.length === 0) throw new Error(`Tenant ${input.tenantId} has no hostname to route: give at least one.`);
  return {
    "@id": tenantRouteId(input.tenantId),
    match: [{ host: input.hostnames.map((h) => h.toLowerCase()) }],
    handle: [
      {
        handler: "static_response",
        status_code: 503,
        headers: { "Content-Type": ["text/html; charset=utf-8"], "Cache-Control": ["no-store"] },
        body: suspendedPageHtml(input.vendorName),
      },
    ],
    terminal: true,
  };
}
