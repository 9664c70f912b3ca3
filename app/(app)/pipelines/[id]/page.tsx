import { notFound } from "next/navigation";
import { pageUserId } from "@/lib/auth";
import { getPipeline } from "@/lib/pipelines/get-pipeline";
import { listCredentials } from "@/lib/credentials/list-credentials";
import { PipelineEditor } from "@/components/editor/editor";

export const dynamic = "force-dynamic";

export default async function PipelinePage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<{ step?: string | string[] }> }) {
  const { id } = await params;
  // ?step=<stepId>: opened from a failed run («Открыть шаг в редакторе») with that step selected.
  const { step } = await searchParams;
  const userId = await pageUserId();
  const pipeline = await getPipeline(userId, id);
  if (!pipeline) notFound();
  // The picker offers credentials by name only; secrets never reach the browser.
  const credentials = (await listCredentials(userId)).map((c) => ({ id: c.id, name: c.name }));
  return (
    <PipelineEditor
      key={pipeline.id}
      pipeline={{
        id: pipeline.id,
        name: pipeline.name,
        status: pipeline.status,
        version: pipeline.version,
        webhookUrl: pipeline.webhookUrl,
        sources: pipeline.sources,
        definition: pipeline.definition,
      }}
      credentials={credentials}
      initialStep={typeof step === "string" ? step : undefined}
    />
  );
}
