// The language switch: remembers the choice in a cookie, then goes back to the page it came from.
import { redirect, type LoaderFunctionArgs } from "@remix-run/node";
import { safeRedirectPath } from "~/http/safe-redirect";
import { isLocale, LOCALE_COOKIE } from "~/i18n/locale";

export async function loader({ params, request }: LoaderFunctionArgs) {
  if (!isLocale(params.locale)) throw new Response("Unknown language", { status: 404 });
  // Only paths on this site (see safe-redirect.ts for what browsers make of the rest).
  const safeTarget = safeRedirectPath(new URL(request.url).searchParams.get("redirectTo"), "/");
  return redirect(safeTarget, {
    headers: {
      "Set-Cookie": `${LOCALE_COOKIE}=${params.locale}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly`,
    },
  });
}
