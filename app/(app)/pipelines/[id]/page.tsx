import { notFound } from "next/navigation";
import { getTranslations } from "next-intl/server";
import { sessionUserId } from "@/lib/auth";
import { getPipeline } from "@/lib/pipelines/get-pipeline";
import { StatusBadge } from "@/components/ui/status-badge";

export const dynamic = "force-dynamic";

export default async function PipelinePage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const userId = (await sessionUserId())!;
  const pipeline = await getPipeline(userId, id);
  if (!pipeline) notFound();
  const t = await getTranslations("pipelines");
  return (
    <div className="px-8 py-8">
      <div className="flex items-center gap-3">
        <h1 className="text-2xl font-semibold" data-testid="pipeline-name">{pipeline.name}</h1>
        <StatusBadge status={pipeline.status} label={t(`status.${pipeline.status}`)} />
      </div>
      <div className="mt-4 text-sm text-slate-600">{t("webhookUrl")}: <code data-testid="webhook-url">{pipeline.webhookUrl}</code></div>
    </div>
  );
}
