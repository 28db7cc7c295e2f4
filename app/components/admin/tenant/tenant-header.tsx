// The top of the tenant page: the way back to the list, the company with its state, the answer to
// the last action (announced to screen readers) and the tenant's progress line.
import { Link } from "@remix-run/react";
import type { AdminTranslate } from "~/i18n/admin-messages";
import type { TenantView } from "./types";

export type ActionResult = { message: string } | { error: string } | undefined;

export function TenantHeader({ tenant, result, t }: { tenant: TenantView; result: ActionResult; t: AdminTranslate }) {
  return (
    <>
      <p>
        <Link to="/admin/tenants">{t("tenant.back")}</Link>
      </p>
      <h1>
        {tenant.customer.company} <span className={`badge ${tenant.actualState}`} data-testid="tenant-state">{tenant.actualState}</span>
      </h1>
      {result && "message" in result ? <div className="notice" role="status">{result.message}</div> : null}
      {result && "error" in result ? <div className="form-error" role="alert">{result.error}</div> : null}
      {tenant.progress ? <p className="muted">{tenant.progress}</p> : null}
    </>
  );
}
