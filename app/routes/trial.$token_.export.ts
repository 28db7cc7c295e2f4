// POST /trial/:token/export: "export my data" (issue 12), the customer's data as a JSON download
// (the console's export: no token, no secret), audited customer.exported with the customer as actor.
// A POST because it writes the audit log; never cached.
import { redirect, type ActionFunctionArgs } from "@remix-run/node";
import { exportMyData } from "~/models/account-actions.server";

export const loader = () => redirect("/trial", 303);

export async function action({ params, context }: ActionFunctionArgs) {
  const file = await exportMyData(context.services, params.token ?? "");
  if (!file) throw new Response("Not found", { status: 404 });
  return new Response(file.text, {
    headers: {
      "Content-Type": "application/json; charset=utf-8",
      "Content-Disposition": `attachment; filename="${file.fileName}"`,
      "Cache-Control": "no-store",
      "Referrer-Policy": "no-referrer",
    },
  });
}
