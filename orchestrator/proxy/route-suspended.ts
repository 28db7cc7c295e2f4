// What a suspended (or expired) tenant's hostname answers behind Caddy (issue 14): a 503 with a
// small HTML page, in French and English, naming the vendor and saying how to get the instance back
// (the customer's account page, where they subscribe, when the portal's public address is known),
// instead of a connection error. Pure: route-steps.ts puts this route in Caddy in place of the app's.
import { tenantRouteId, type CaddyRoute } from "./tenant-route.ts";

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

/**
 * The suspended page's HTML, for the vendor's name. `accountUrl` is the portal's "send me my link"
 * page (one page for every tenant: the route is static, so it cannot carry the customer's own link).
 */
export function suspendedPageHtml(vendorName: string, accountUrl?: string): string {
  const vendor = escapeHtml(vendorName);
  const link = accountUrl ? escapeHtml(accountUrl) : undefined;
  const fr = link
    ? `Vos données sont conservées. Pour la retrouver, souscrivez un abonnement depuis votre espace client : <a href="${link}">${link}</a> (nous vous envoyons son lien par e-mail), ou contactez ${vendor}.`
    : `Vos données sont conservées. Pour la retrouver, contactez ${vendor} ou souscrivez un abonnement depuis l'e-mail que vous avez reçu.`;
  const en = link
    ? `Your data is kept. To get it back, subscribe from your account page: <a href="${link}">${link}</a> (we email you its link), or contact ${vendor}.`
    : `Your data is kept. To get it back, contact ${vendor} or subscribe from the email you received.`;
  return `<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Instance suspendue / Instance suspended — ${vendor}</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#222}h1{font-size:1.4rem}section+section{margin-top:2rem;border-top:1px solid #ddd;padding-top:1rem}</style>
</head><body>
<section lang="fr"><h1>Cette instance est suspendue</h1>
<p>${fr}</p></section>
<section lang="en"><h1>This instance is suspended</h1>
<p>${en}</p></section>
</body></html>
`;
}

/** The route answering the tenant's hostnames with the suspended page (503). */
export function suspendedRoute(input: { tenantId: string; hostnames: readonly string[]; vendorName: string; accountUrl?: string | undefined }): CaddyRoute {
  if (input.hostnames.length === 0) throw new Error(`Tenant ${input.tenantId} has no hostname to route: give at least one.`);
  return {
    "@id": tenantRouteId(input.tenantId),
    match: [{ host: input.hostnames.map((h) => h.toLowerCase()) }],
    handle: [
      {
        handler: "static_response",
        status_code: 503,
        headers: { "Content-Type": ["text/html; charset=utf-8"], "Cache-Control": ["no-store"] },
        body: suspendedPageHtml(input.vendorName, input.accountUrl),
      },
    ],
    terminal: true,
  };
}
