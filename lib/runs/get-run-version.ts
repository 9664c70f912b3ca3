// The pipeline definition a run executed (its PipelineVersion), for the link on the run page.
import { prisma } from "../db";
import { isUuid } from "../uuid";

export async function getRunVersion(userId: string, runId: string) {
  if (!isUuid(runId)) return null;
  const run = await prisma.run.findFirst({
    where: { id: runId, userId },
    select: { id: true, version: true, pipeline: { select: { id: true, name: true, version: true } } },
  });
  if (!run) return null;
  const v = await prisma.pipelineVersion.findUnique({
    where: { pipelineId_version: { pipelineId: run.pipeline.id, version: run.version } },
    select: { version: true, definition: true, createdAt: true },
  });
  return {
    runId: run.id,
    pipeline: { id: run.pipeline.id, name: run.pipeline.name, currentVersion: run.pipeline.version },
    version: run.version,
    definition: v?.definition ?? null,
    savedAt: v?.createdAt.toISOString() ?? null,
  };
}
