// Live logs of one tenant service, as server-sent events: the last lines every two seconds,
// until the browser goes away.
import type { LoaderFunctionArgs } from "@remix-run/node";
import { requireAdmin } from "~/admin/session.server";

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  await requireAdmin(request, context.services);
  const service = new URL(request.url).searchParams.get("service") === "postgres" ? "postgres" : "app";
  const tenantId = params.id ?? "";
  const { orchestrator } = context.services;
  const encoder = new TextEncoder();
  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      let last = "";
      try {
        while (!request.signal.aborted) {
          const text = await orchestrator.logs(tenantId, service, 200).catch((error: Error) => `(no logs: ${error.message})`);
          if (text !== last) {
            last = text;
            controller.enqueue(encoder.encode(`event: logs\ndata: ${JSON.stringify(text)}\n\n`));
          }
          await new Promise((resolve) => setTimeout(resolve, 2000));
        }
        controller.close();
      } catch {
        // The browser went away while we were writing: nothing left to do.
      }
    },
  });
  return new Response(stream, {
    headers: { "Content-Type": "text/event-stream", "Cache-Control": "no-store", Connection: "keep-alive" },
  });
}
