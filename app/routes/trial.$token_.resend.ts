// POST /trial/:token/resend: "send me new login details" from the account page (issue 12). Queues
// the resend_credentials job (a new password, mailed to the customer's own address), audited with
// the customer as actor; back to the page with a notice. The token is the only key.
import { redirect, type ActionFunctionArgs } from "@remix-run/node";
import { resendCredentials } from "~/models/account-actions.server";
import { accountActionServices } from "~/models/account-wiring.server";

export const loader = () => redirect("/trial", 303);

export async function action({ params, context }: ActionFunctionArgs) {
  const token = params.token ?? "";
  const notice = await resendCredentials(accountActionServices(context.services), token);
  if (!notice) throw new Response("Not found", { status: 404 });
  return redirect(`/trial/${token}?notice=${notice.key.replace("account.notice.", "")}`, 303);
}
