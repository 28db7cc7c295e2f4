// Liveness and readiness in one: the process answers, and so does its database.
import { json, type LoaderFunctionArgs } from "@remix-run/node";

export async function loader({ context }: LoaderFunctionArgs) {
  const { services } = context;
  try {
    await services.pingDatabase();
    return json({ status: "ok", database: "ok" }, { headers: { "Cache-Control": "no-store" } });
  } catch (error) {
    services.logger.error("health check: the database does not answer", { error });
    return json(
      { status: "error", database: "unreachable" },
      { status: 503, headers: { "Cache-Control": "no-store" } },
    );
  }
}
