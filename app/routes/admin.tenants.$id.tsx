// One tenant: customer and subscription, its stack on the engine (state, health, ports, memory
// and CPU), its jobs and their steps, live logs, its audit trail, and the actions an operator may
// take, each confirmed and audited.
import { json, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation, useRevalidator } from "@remix-run/react";
import { useEffect, useState, type FormEvent, type ReactNode } from "react";
import { assertCsrf, hasRole, requireAdmin, requireRole } from "~/admin/session.server";
import { CsrfInput } from "~/components/csrf";
import { ADMIN_ACTIONS, label, type AdminAction } from "~/models/admin-action-names";
import { ActionRefused, performAdminAction, recordRefusal } from "~/models/admin-actions.server";
import { tenantAudit, tenantDetail } from "~/models/admin-tenants.server";
import { useAdmin } from "~/routes/admin";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `Tenantry — ${data?.tenant.slug ?? "tenant"}` }];

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
  const intent = String(form.get("intent") ?? "") as AdminAction;
  if (!ADMIN_ACTIONS.includes(intent)) return json({ error: `Unknown action ${intent}.` }, { status: 400 });
  try {
    const message = await performAdminAction(context.services, session, params.id ?? "", intent, form);
    return json({ message });
  } catch (error) {
    if (!(error instanceof ActionRefused)) throw error;
    await recordRefusal(context.services.prisma, session.admin.email, params.id ?? "", intent, error.message);
    return json({ error: error.message }, { status: 400 });
  }
}

const SETTLED = new Set(["active", "failed", "suspended", "destroyed"]);

export default function TenantPage() {
  const { tenant, stack, usage, audit, canAct } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
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
        <Link to="/admin/tenants">← Tenants</Link>
      </p>
      <h1>
        {tenant.customer.company} <span className={`badge ${tenant.actualState}`} data-testid="tenant-state">{tenant.actualState}</span>
      </h1>
      {result && "message" in result ? <div className="notice" role="status">{result.message}</div> : null}
      {result && "error" in result ? <div className="form-error" role="alert">{result.error}</div> : null}
      {tenant.progress ? <p className="muted">{tenant.progress}</p> : null}

      {canAct && tenant.actualState !== "destroyed" ? <Actions slug={tenant.slug} failed={tenant.actualState === "failed"} /> : null}

      <div className="grid2">
        <div className="card">
          <h2>Customer</h2>
          <dl className="facts">
            <dt>Name</dt>
            <dd>{tenant.customer.firstName} {tenant.customer.lastName}</dd>
            <dt>Email</dt>
            <dd>{tenant.customer.email}</dd>
            <dt>Phone</dt>
            <dd>{tenant.customer.phone}</dd>
            <dt>Language</dt>
            <dd>{tenant.customer.locale}</dd>
          </dl>
        </div>
        <div className="card">
          <h2>Subscription</h2>
          <dl className="facts">
            <dt>Plan</dt>
            <dd data-testid="plan">{tenant.subscription?.plan ?? "—"}</dd>
            <dt>Status</dt>
            <dd>{tenant.subscription?.status ?? "—"}</dd>
            <dt>Trial ends</dt>
            <dd data-testid="trial-ends">{tenant.subscription?.trialEndsAt?.slice(0, 10) ?? "—"}</dd>
            <dt>Slug</dt>
            <dd data-testid="slug">{tenant.slug}</dd>
            <dt>Port</dt>
            <dd>{tenant.portLeases.map((l) => l.port).join(", ") || "—"}</dd>
          </dl>
        </div>
      </div>

      <div className="card" style={{ marginTop: "1rem" }}>
        <h2>Stack</h2>
        {"error" in stack ? (
          <p className="form-error">The engine did not answer: {stack.error}</p>
        ) : stack.containers.length === 0 ? (
          <p className="muted" data-testid="no-containers">No container on the engine.</p>
        ) : (
          <table className="list">
            <thead>
              <tr><th>Container</th><th>State</th><th>Health</th><th>Ports</th><th>Memory</th><th>CPU</th></tr>
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
        <h2>Jobs</h2>
        {tenant.jobs.map((job) => (
          <details key={job.id} open={job === tenant.jobs[0]}>
            <summary>
              {job.kind} — <strong data-testid={job === tenant.jobs[0] ? "latest-job-status" : undefined}>{job.status}</strong> — requested by{" "}
              {job.requestedBy ?? "system"} at {job.createdAt.slice(0, 19).replace("T", " ")}
              {job.lastError ? <span className="form-error" style={{ display: "block" }}>{job.lastError}</span> : null}
            </summary>
            <ol className="steps">
              {job.steps.map((s) => (
                <li key={s.id}>
                  {s.name}: {s.status}
                  {s.startedAt && s.finishedAt ? ` (${((Date.parse(s.finishedAt) - Date.parse(s.startedAt)) / 1000).toFixed(1)} s)` : ""}
                  {s.attempts > 1 ? `, ${s.attempts} attempts` : ""}
                  {s.error ? <div className="form-error">{s.error}</div> : null}
                </li>
              ))}
            </ol>
          </details>
        ))}
      </div>

      <LiveLogs tenantId={tenant.id} />

      <div className="card" style={{ marginTop: "1rem" }}>
        <h2>Audit trail</h2>
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

function Actions({ slug, failed }: { slug: string; failed: boolean }) {
  const navigation = useNavigation();
  const confirmFirst = (what: string) => (event: FormEvent<HTMLFormElement>) => {
    if (!window.confirm(`${what} ${slug}?`)) event.preventDefault();
  };
  const busy = navigation.state !== "idle";
  const simple: AdminAction[] = ["suspend", "resume", "restart", "resend", ...(failed ? (["retry"] as AdminAction[]) : [])];
  return (
    <div className="actions card">
      {simple.map((a) => (
        <ActionForm key={a} intent={a} onSubmit={confirmFirst(label(a))}>
          <button type="submit" disabled={busy}>{label(a)}</button>
        </ActionForm>
      ))}
      <ActionForm intent="extend" onSubmit={confirmFirst("Extend the trial of")}>
        <input name="days" type="number" min={1} max={365} defaultValue={14} aria-label="Days" />
        <button type="submit" disabled={busy}>Extend trial</button>
      </ActionForm>
      <ActionForm intent="plan" onSubmit={confirmFirst("Change the plan of")}>
        <input name="plan" placeholder="plan" aria-label="Plan" required />
        <button type="submit" disabled={busy}>Change plan</button>
      </ActionForm>
      <ActionForm intent="destroy">
        <input name="confirmSlug" placeholder={`type ${slug}`} aria-label="Type the slug to confirm" required />
        <button type="submit" className="danger" disabled={busy}>Destroy</button>
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
function LiveLogs({ tenantId }: { tenantId: string }) {
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
        Logs{" "}
        <select value={service} onChange={(e) => setService(e.target.value)} aria-label="Service">
          <option value="app">app</option>
          <option value="postgres">postgres</option>
        </select>
      </h2>
      <pre className="logs" data-testid="logs">{text || "(waiting for logs…)"}</pre>
    </div>
  );
}
