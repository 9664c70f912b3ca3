// The saved versions of a pipeline, newest first, for the editor's versions list.
import { prisma } from "../db";
import { isUuid } from "../uuid";

export type PipelineVersionSummary = {
  version: number;
  createdAt: Date;
  /** Who saved it; null when that user was deleted. */
  createdBy: { email: string; name: string } | null;
  stepCount: number;
  current: boolean;
};

/** Null when the pipeline is not this user's. */
export async function listVersions(input: { userId: string; pipelineId: string; limit?: number }): Promise<PipelineVersionSummary[] | null> {
  if (!isUuid(input.pipelineId)) return null;
  const pipeline = await prisma.pipeline.findFirst({ where: { id: input.pipelineId, userId: input.userId }, select: { version: true } });
  if (!pipeline) return null;
  const rows = await prisma.pipelineVersion.findMany({
    where: { pipelineId: input.pipelineId, pipeline: { userId: input.userId } },
    orderBy: { version: "desc" },
    take: Math.min(Math.max(input.limit ?? 50, 1), 200),
    select: { version: true, createdAt: true, definition: true, createdBy: { select: { email: true, name: true } } },
  });
  return rows.map((r) => {
    const steps = (r.definition as { steps?: unknown[] } | null)?.steps;
    return {
      version: r.version,
      createdAt: r.createdAt,
      createdBy: r.createdBy,
      stepCount: Array.isArray(steps) ? steps.length : 0,
      current: r.version === pipeline.version,
    };
  });
}
