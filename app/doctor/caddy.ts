// Doctor check of the reverse proxy (issue 14): with CADDY_ADMIN_URL set, Caddy's admin API must
// answer (the portal writes each tenant's route and certificates there); without it, say that
// tenants are reached on their host ports (or TENANT_URL), which needs no proxy.
import { checkCaddy } from "../../orchestrator/index.ts";
import type { AppConfig } from "../config.server";
import { passed, problem, type DoctorCheck } from "./check";

export async function checkProxy(config: AppConfig): Promise<DoctorCheck> {
  const proxy = config.orchestrator.proxy;
  if (!proxy) return passed("caddy", "CADDY_ADMIN_URL is not set: no tenant routes in Caddy; tenants are reached at TENANT_URL");
  const report = await checkCaddy(proxy.adminUrl);
  if (!report.failure) return passed("caddy", `${report.description} ${report.found}`);
  return problem(
    "caddy",
    `${report.description} ${report.failure}`,
    "Start Caddy (`caddy run`, or `systemctl start caddy`), or set CADDY_ADMIN_URL to the \"admin.listen\" address of its configuration (http://127.0.0.1:2019 by default).",
  );
}
