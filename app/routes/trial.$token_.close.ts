// POST /trial/:token/close: "close my account" (issue 12). The customer types their instance's name;
// a live Stripe subscription is canceled first (Stripe unreachable: nothing is deleted), then the
// destroy job is queued, audited with the customer as actor. Back to the page with a notice.
import { redirect, type ActionFunctionArgs } from "@remix-run/node";
import { formValues } from "~/forms/admin/form-values";
import { closeForm } from "~/forms/account";
import { closeAccount } from "~/models/account-actions.server";
import { accountActionServices } from "~/models/account-wiring.server";

export const loader = () => redirect("/trial", 303);

export async function action({ request, params, context }: ActionFunctionArgs) {
  const token = params.token ?? "";
  const parsed = closeForm.safeParse(formValues(await request.formData()));
  const notice = await closeAccount(accountActionServices(context.services), token, parsed.success ? parsed.data.confirm : "");
  if (!notice) throw new Response("Not found", { status: 404 });
  return redirect(`/trial/${token}?notice=${notice.key.replace("account.notice.", "")}`, 303);
}
