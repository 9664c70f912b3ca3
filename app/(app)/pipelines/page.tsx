import { pageUserId } from "@/lib/auth";
import { listPipelines } from "@/lib/pipelines/list-pipelines";
import { PipelineList } from "@/components/pipelines/pipeline-list";

export const dynamic = "force-dynamic";

export default async function PipelinesPage() {
  const userId = await pageUserId();
  const pipelines = await listPipelines(userId);
  return (
    <PipelineList
      pipelines={pipelines.map((p) => ({
        id: p.id,
        name: p.name,
        status: p.status,
        version: p.version,
        stepCount: p.definition.steps.length,
        createdAt: p.createdAt,
      }))}
    />
  );
}
