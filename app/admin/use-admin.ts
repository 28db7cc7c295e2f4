// The signed-in admin and the session's CSRF token, for any component inside the console. The
// admin layout's loader (app/routes/admin.tsx) provides them; this hook reads them by route id, so
// pages and components never import the layout route.
import { useRouteLoaderData } from "@remix-run/react";
import type { AdminRole } from "../../prisma/generated/client.ts";

export interface ConsoleSession {
  admin: { email: string; role: AdminRole };
  csrf: string;
}

/** The id Remix gives the console's layout route (app/routes/admin.tsx). */
export const ADMIN_LAYOUT_ROUTE_ID = "routes/admin";

export function useAdmin(): ConsoleSession {
  const session = useRouteLoaderData(ADMIN_LAYOUT_ROUTE_ID) as ConsoleSession | undefined;
  if (!session) throw new Error("useAdmin is for pages inside the admin console (under app/routes/admin.tsx).");
  return session;
}
