import Link from "next/link";
import { notFound } from "next/navigation";
import { getTranslations } from "next-intl/server";
import { pageUserId } from "@/lib/auth";
import { getPipeline } from "@/lib/pipelines/get-pipeline";
import { getUser } from "@/lib/users/get-user";
import { listNotifications } from "@/lib/alerts/list-notifications";
import { AlertSettings } from "@/components/alerts/alert-settings";
import { RetentionSettings } from "@/components/history/retention-settings";
import { WebhookRateLimit } from "@/components/pipelines/webhook-rate-limit";

export const dynamic = "force-dynamic";

export default async function PipelineSettingsPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const userId = await pageUserId();
  const pipeline = await getPipeline(userId, id);
  if (!pipeline) notFound();
  const [user, notifications, t] = await Promise.all([getUser(userId), listNotifications(userId, id), getTranslations("alerts")]);
  return (
    <div className="mx-auto max-w-5xl space-y-6 px-8 py-8">
      <div>
        <Link href={`/pipelines/${id}`} className="text-sm text-indigo-700 hover:underline">
          ← {t("back")}
        </Link>
        <h1 className="mt-2 text-2xl font-semibold">{t("pageTitle")}</h1>
        <p className="text-sm text-slate-600" data-testid="pipeline-name">
          {pipeline.name}
        </p>
      </div>
      <AlertSettings
        pipelineId={id}
        ownerEmail={user?.email ?? ""}
        initial={{
          alertsEnabled: pipeline.settings.alertsEnabled,
          alertRecipients: pipeline.settings.alertRecipients,
          alertThrottleMinutes: pipeline.settings.alertThrottleMinutes,
        }}
        notifications={notifications ?? []}
      />
      <RetentionSettings pipelineId={id} retentionDays={pipeline.settings.retentionDays} storeSuccessPayloads={pipeline.settings.storeSuccessPayloads} />
      <WebhookRateLimit pipelineId={id} initial={pipeline.settings.webhookRateLimit} />
    </div>
  );
}
