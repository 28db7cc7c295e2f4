// The operators' notifications (alerts, weekly reports, tests): the latest ones and how each
// delivery went, and the channels they go to (never the webhook's URL). Read-only; every admin
// may look. `npm run notify:test` sends a test through every channel.
import { json, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { adminTitle } from "~/admin/meta";
import { requireAdmin } from "~/admin/session.server";
import { NotificationTable } from "~/components/admin/notifications/notification-table";
import { usePolling } from "~/hooks/use-polling";
import { adminTranslator } from "~/i18n/admin-messages";
import { useLocale } from "~/i18n/use-locale";
import { notifyChannels, recentNotifications } from "~/models/admin-notifications.server";

export const meta: MetaFunction = ({ matches }) => [{ title: adminTitle(matches, "notifications.title") }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAdmin(request, context.services);
  const { prisma, config } = context.services;
  return json(
    { notifications: await recentNotifications(prisma), channels: notifyChannels(config.notify) },
    { headers: { "Cache-Control": "no-store" } },
  );
}

export default function Notifications() {
  const { notifications, channels } = useLoaderData<typeof loader>();
  const t = adminTranslator(useLocale());
  usePolling({ every: 15_000, while: true });
  const configured = [
    channels.emails > 0 ? t("notifications.channel.email", { n: channels.emails }) : null,
    channels.webhook ? t(channels.webhook.signed ? "notifications.channel.webhookSigned" : "notifications.channel.webhook", { format: channels.webhook.format }) : null,
  ].filter((part): part is string => part !== null);
  return (
    <section>
      <h1>{t("notifications.title")}</h1>
      <p className="muted" data-testid="notify-channels">
        {channels.mode === "mock"
          ? t("notifications.mock")
          : configured.length > 0
            ? t("notifications.channels", { channels: configured.join(", ") })
            : t("notifications.noChannel")}{" "}
        {t("notifications.test")}
      </p>
      <div className="card">
        <NotificationTable notifications={notifications} t={t} />
      </div>
    </section>
  );
}
