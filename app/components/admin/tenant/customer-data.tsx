// The tenant page's card about the customer's personal data: download it as JSON (operators and
// owners; a plain form post, so the browser saves the file), and erase it (owners; the customer's
// email typed to confirm, posted through a fetcher whose answer shows here). Erasure is offered
// once every tenant of the customer is destroyed; after it, the card says when it was done.
import { useFetcher } from "@remix-run/react";
import { useAdmin } from "~/admin/use-admin";
import { CsrfInput } from "~/components/csrf";
import type { AdminTranslate } from "~/i18n/admin-messages";

export interface CustomerDataView {
  customerId: string;
  email: string;
  erasedAt: string | null;
  /** Tenants of the customer not destroyed yet (erasure waits for them). */
  liveSlugs: string[];
}

export function CustomerData({ data, t }: { data: CustomerDataView; t: AdminTranslate }) {
  const { csrf, admin } = useAdmin();
  const canExport = admin.role === "owner" || admin.role === "operator";
  const canErase = admin.role === "owner";
  if (!canExport) return null;
  const base = `/admin/customers/${encodeURIComponent(data.customerId)}`;
  return (
    <div className="card" style={{ marginTop: "1rem" }} data-testid="customer-data">
      <h2>{t("dataRights.title")}</h2>
      {data.erasedAt ? (
        <p data-testid="customer-erased">{t("dataRights.erasedOn", { at: data.erasedAt.slice(0, 16).replace("T", " ") + " UTC" })}</p>
      ) : null}
      <form method="post" action={`${base}/export`}>
        <CsrfInput token={csrf} />
        <p className="muted">{t("dataRights.exportNote")}</p>
        <button type="submit" data-testid="export-customer">{t("dataRights.export")}</button>
      </form>
      {canErase && !data.erasedAt ? <EraseForm action={`${base}/erase`} data={data} csrf={csrf} t={t} /> : null}
    </div>
  );
}

function EraseForm({ action, data, csrf, t }: { action: string; data: CustomerDataView; csrf: string; t: AdminTranslate }) {
  const fetcher = useFetcher<{ message?: string; error?: string }>();
  const waiting = data.liveSlugs.length > 0;
  return (
    <fetcher.Form method="post" action={action} style={{ marginTop: "1rem" }}>
      <CsrfInput token={csrf} />
      <p className="muted">{t("dataRights.eraseNote")}</p>
      {waiting ? <p className="muted" data-testid="erase-waits">{t("dataRights.liveTenants", { slugs: data.liveSlugs.join(", ") })}</p> : null}
      <input
        name="confirmEmail"
        placeholder={t("dataRights.typeEmail", { email: data.email })}
        aria-label={t("dataRights.confirmEmail")}
        autoComplete="off"
        style={{ minWidth: "22rem" }}
        required
        disabled={waiting}
      />{" "}
      <button type="submit" className="danger" disabled={waiting || fetcher.state !== "idle"} data-testid="erase-customer">
        {t("dataRights.erase")}
      </button>
      {fetcher.data?.error ? <p className="form-error" role="alert">{fetcher.data.error}</p> : null}
      {fetcher.data?.message ? <p role="status" data-testid="erase-result">{fetcher.data.message}</p> : null}
    </fetcher.Form>
  );
}
