import { redirect, type ActionFunctionArgs } from "@remix-run/node";
import { assertCsrf, requireAdmin, sessionCookie, sessionToken } from "~/admin/session.server";
import { endSession } from "~/models/admin-auth.server";

export async function action({ request, context }: ActionFunctionArgs) {
  const session = await requireAdmin(request, context.services);
  assertCsrf(await request.formData(), session);
  await endSession(context.services.prisma, sessionToken(request)!);
  return redirect("/admin/login", { headers: { "Set-Cookie": sessionCookie(request, "", 0) } });
}

export async function loader() {
  return redirect("/admin");
}
