// The tenant's containers as the engine reports them (state, health, ports) with their memory and
// CPU, or why the engine did not answer.
import type { AdminTranslate } from "~/i18n/admin-messages";
import type { StackView, UsageView } from "./types";

export function ContainersTable({ stack, usage, t }: { stack: StackView; usage: ReadonlyArray<UsageView | null>; t: AdminTranslate }) {
  return (
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
  );
}
