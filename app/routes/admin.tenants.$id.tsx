// One tenant: customer and subscription, its stack on the engine (state, health, ports, memory
// and CPU), its jobs and their steps, live logs, its audit trail, and the actions an operator may
// take, each confirmed and audited.
import { json, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation, useRevalidator } from "@remix-run/react";
import { useEffect, useState, type FormEvent, type ReactNode } from "react";
import { assertCsrf, hasRole, requireAdmin, requireRole } from "~/admin/session.server";
import { CsrfInput } from "~/components/csrf";
import { adminTranslator, type AdminMessageKey, type AdminTranslate } from "~/i18n/admin-messages";
import { resolveLocale } from "~/i18n/locale";
import { actionLabelKey, ADMIN_ACTIONS, type AdminAction } from "~/models/admin-action-names";
import { ActionRefused, performAdminAction, recordRefusal, type AdminMessage } from "~/models/admin-actions.server";
import { useLocale } from "~/i18n/use-locale";
import { tenantAudit, tenantDetail } from "~/models/admin-tenants.server";
import { useAdmin } from "~/admin/use-admin";
import { adminTitle } from "~/admin/meta";

export const meta: MetaFunction<typeof loader> = ({ data, matches }) => [{ title: adminTitle(matches, "nav.tenants", data?.tenant.slug) }];

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const session = await requireAdmin(request, context.services);
  const { prisma, orchestrator } = context.services;
  const tenant = await tenantDetail(prisma, params.id ?? "");
  if (!tenant) throw new Response("Not found", { status: 404 });
  const [stack, usage, audit] = await Promise.all([
    orchestrator.status(tenant.id).catch((error: Error) => ({ error: error.message })),
    orchestrator.usage(tenant.id).catch(() => []),
    tenantAudit(prisma, tenant.id),
  ]);
  return json({
    tenant,
    stack,
    usage,
    audit: audit.map((a) => ({ ...a, id: String(a.id) })),
    canAct: hasRole(session, "operator"),
  });
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const session = await requireAdmin(request, context.services);
  const form = await request.formData();
  assertCsrf(form, session);
  requireRole(session, "operator");
  const t = adminTranslator(resolveLocale(request));
  const intent = String(form.get("intent") ?? "") as AdminAction;
  if (!ADMIN_ACTIONS.includes(intent)) return json({ error: t("refused.unknown", { action: intent.slice(0, 40) }) }, { status: 400 });
  try {
    const message = await performAdminAction(context.services, session, params.id ?? "", intent, form);
    return json({ message: say(t, message) });
  } catch (error) {
    if (!(error instanceof ActionRefused)) throw error;
    await recordRefusal(context.services.prisma, session.admin.email, params.id ?? "", intent, error.reason);
    return json({ error: say(t, error.reason) }, { status: 400 });
  }
}

/** The message in the admin's language; an action named in it is translated too. */
function say(t: AdminTranslate, message: AdminMessage): string {
  const values = { ...message.values };
  if (typeof values.action === "string" && values.action.startsWith("action.")) values.action = t(values.action as AdminMessageKey);
  return t(message.key, values);
}

const SETTLED = new Set(["active", "failed", "suspended", "destroyed"]);

export default function TenantPage() {
  const { tenant, stack, usage, audit, canAct } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const t = adminTranslator(useLocale());
  const revalidator = useRevalidator();
  const busy = !SETTLED.has(tenant.actualState) || tenant.jobs.some((j) => j.status === "queued" || j.status === "running");
  useEffect(() => {
    if (!busy) return;
    const timer = setInterval(() => revalidator.state === "idle" && revalidator.revalidate(), 2000);
    return () => clearInterval(timer);
  }, [busy, revalidator]);

  return (
    <section>
      <p>
        <Link to="/admin/tenants">{t("tenant.back")}</Link>
      </p>
      <h1>
        {tenant.customer.company} <span className={`badge ${tenant.actualState}`} data-testid="tenant-state">{tenant.actualState}</span>
      </h1>
      {result && "message" in result ? <div className="notice" role="status">{result.message}</div> : null}
      {result && "error" in result ? <div className="form-error" role="alert">{result.error}</div> : null}
      {tenant.progress ? <p className="muted">{tenant.progress}</p> : null}

      {canAct && tenant.actualState !== "destroyed" && tenant.desiredState !== "destroyed" ? (
        <Actions slug={tenant.slug} failed={tenant.actualState === "failed"} t={t} />
      ) : null}
      {canAct && tenant.desiredState === "destroyed" && tenant.actualState === "failed" ? <RetryDestroy slug={tenant.slug} t={t} /> : null}

      <div className="grid2">
        <div className="card">
          <h2>{t("tenant.customer")}</h2>
          <dl className="facts">
            <dt>{t("tenant.name")}</dt>
            <dd>{tenant.customer.firstName} {tenant.customer.lastName}</dd>
            <dt>{t("list.email")}</dt>
            <dd>{tenant.customer.email}</dd>
            <dt>{t("tenant.phone")}</dt>
            <dd>{tenant.customer.phone}</dd>
            <dt>{t("tenant.language")}</dt>
            <dd>{tenant.customer.locale}</dd>
          </dl>
        </div>
        <div className="card">
          <h2>{t("tenant.subscription")}</h2>
          <dl className="facts">
            <dt>{t("list.plan")}</dt>
            <dd data-testid="plan">{tenant.subscription?.plan ?? "—"}</dd>
            <dt>{t("tenant.status")}</dt>
            <dd>{tenant.subscription?.status ?? "—"}</dd>
            <dt>{t("tenant.trialEnds")}</dt>
            <dd data-testid="trial-ends">{tenant.subscription?.trialEndsAt?.slice(0, 10) ?? "—"}</dd>
            <dt>{t("list.slug")}</dt>
            <dd data-testid="slug">{tenant.slug}</dd>
            <dt>{t("tenant.port")}</dt>
            <dd>{tenant.portLeases.map((l) => l.port).join(", ") || "—"}</dd>
          </dl>
        </div>
      </div>

      <div className="card" style={{ marginTop: "1rem" }}>
        <h2>{t("tenant.stack")}</h2>
        {"error" in stack ? (
          <p className="form-error">{t("tenant.engineDown", { error: stack.error })}</p>
        ) : stack.containers.length === 0 ? (
          <p className="muted" data-testid="no-containers">{t("tenant.noContainers")}</p>
        ) : (
          <table className="list">
            <thead>
              <tr>
                <th>{t("tenant.container")}</th>
                <th>{t("list.state")}</th>
                <th>{t("tenant.health")}</th>
                <th>{t("tenant.ports")}</th>
                <th>{t("tenant.memory")}</th>
                <th>{t("tenant.cpu")}</th>
              </tr>
            </thead>
            <tbody>
              {stack.containers.map((c) => {
                const u = usage.find((x) => x?.service === c.service);
                return (
                  <tr key={c.containerName} data-container={c.containerName} data-state={c.state}>
                    <td>{c.containerName}</td>
                    <td>{c.state}</td>
                    <td>{c.health}</td>
                    <td>{c.ports.map((p) => `${p.hostIp}:${p.hostPort}→${p.containerPort}`).join(", ") || "—"}</td>
                    <td>{u ? `${(u.memoryBytes / 1048576).toFixed(1)} MiB` : "—"}</td>
                    <td>{u ? `${u.cpuPercent.toFixed(1)} %` : "—"}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </div>

      <div className="card" style={{ marginTop: "1rem" }}>
        <h2>{t("tenant.jobs")}</h2>
        {tenant.jobs.map((job) => (
          <details key={job.id} open={job === tenant.jobs[0]}>
            <summary>
              {job.kind} — <strong data-testid={job === tenant.jobs[0] ? "latest-job-status" : undefined}>{job.status}</strong> —{" "}
              {t("tenant.requestedBy", { who: job.requestedBy ?? "system", when: job.createdAt.slice(0, 19).replace("T", " ") })}
              {job.lastError ? <span className="form-error" style={{ display: "block" }}>{job.lastError}</span> : null}
            </summary>
            <ol className="steps">
              {job.steps.map((s) => (
                <li key={s.id}>
                  {s.name}: {s.status}
                  {s.startedAt && s.finishedAt ? ` (${((Date.parse(s.finishedAt) - Date.parse(s.startedAt)) / 1000).toFixed(1)} s)` : ""}
                  {s.attempts > 1 ? t("tenant.attempts", { count: s.attempts }) : ""}
                  {s.error ? <div className="form-error">{s.error}</div> : null}
                </li>
              ))}
            </ol>
          </details>
        ))}
      </div>

      <LiveLogs tenantId={tenant.id} t={t} />

      <div className="card" style={{ marginTop: "1rem" }}>
        <h2>{t("tenant.audit")}</h2>
        <table className="list">
          <tbody>
            {audit.map((a) => (
              <tr key={a.id}>
                <td>{a.at.slice(0, 19).replace("T", " ")}</td>
                <td>{a.actorId ?? a.actorType}</td>
                <td>{a.action}</td>
                <td>{a.outcome}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function Actions({ slug, failed, t }: { slug: string; failed: boolean; t: AdminTranslate }) {
  const navigation = useNavigation();
  const confirmFirst = (action: AdminAction) => (event: FormEvent<HTMLFormElement>) => {
    if (!window.confirm(t("tenant.confirm", { action: t(actionLabelKey(action)), slug }))) event.preventDefault();
  };
  const busy = navigation.state !== "idle";
  const simple: AdminAction[] = ["suspend", "resume", "restart", "resend", ...(failed ? (["retry"] as AdminAction[]) : [])];
  return (
    <div className="actions card">
      {simple.map((a) => (
        <ActionForm key={a} intent={a} onSubmit={confirmFirst(a)}>
          <button type="submit" disabled={busy}>{t(actionLabelKey(a))}</button>
        </ActionForm>
      ))}
      <ActionForm intent="extend" onSubmit={confirmFirst("extend")}>
        <input name="days" type="number" min={1} max={365} defaultValue={14} aria-label={t("tenant.days")} />
        <button type="submit" disabled={busy}>{t("action.extend")}</button>
      </ActionForm>
      <ActionForm intent="plan" onSubmit={confirmFirst("plan")}>
        <input name="plan" placeholder={t("tenant.planPlaceholder")} aria-label={t("list.plan")} required />
        <button type="submit" disabled={busy}>{t("action.plan")}</button>
      </ActionForm>
      <ActionForm intent="destroy">
        <input name="confirmSlug" placeholder={t("tenant.typeSlug", { slug })} aria-label={t("tenant.confirmSlug")} required />
        <button type="submit" className="danger" disabled={busy}>{t("action.destroy")}</button>
      </ActionForm>
    </div>
  );
}

// A destruction that failed: the tenant is kept from every other action; this runs it again.
function RetryDestroy({ slug, t }: { slug: string; t: AdminTranslate }) {
  const navigation = useNavigation();
  const confirmFirst = (event: FormEvent<HTMLFormElement>) => {
    if (!window.confirm(t("tenant.confirm", { action: t("action.retry_destroy"), slug }))) event.preventDefault();
  };
  return (
    <div className="actions card">
      <p className="form-error">{t("tenant.destroyFailed")}</p>
      <ActionForm intent="retry_destroy" onSubmit={confirmFirst}>
        <button type="submit" className="danger" disabled={navigation.state !== "idle"}>{t("action.retry_destroy")}</button>
      </ActionForm>
    </div>
  );
}

function ActionForm(props: { intent: AdminAction; onSubmit?: (event: FormEvent<HTMLFormElement>) => void; children: ReactNode }) {
  const { csrf } = useAdmin();
  return (
    <Form method="post" onSubmit={props.onSubmit}>
      <CsrfInput token={csrf} />
      <input type="hidden" name="intent" value={props.intent} />
      {props.children}
    </Form>
  );
}

// Streams the app's logs (server-sent events): the console shows them as they come.
function LiveLogs({ tenantId, t }: { tenantId: string; t: AdminTranslate }) {
  const [service, setService] = useState("app");
  const [text, setText] = useState("");
  useEffect(() => {
    const source = new EventSource(`/admin/tenants/${tenantId}/logs?service=${service}`);
    source.addEventListener("logs", (event) => setText(JSON.parse((event as MessageEvent).data) as string));
    return () => source.close();
  }, [tenantId, service]);
  return (
    <div className="card" style={{ marginTop: "1rem" }}>
      <h2>
        {t("tenant.logs")}{" "}
        <select value={service} onChange={(e) => setService(e.target.value)} aria-label={t("tenant.service")}>
          <option value="app">app</option>
          <option value="postgres">postgres</option>
        </select>
      </h2>
      <pre className="logs" data-testid="logs">{text || t("tenant.waitingLogs")}</pre>
    </div>
  );
}
