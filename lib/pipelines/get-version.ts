// One saved version's definition, for «Восстановить»: the editor shows what would change first.
import { prisma } from "../db";
import { definitionSchema, type PipelineDefinition } from "../definition/schema";
import { isUuid } from "../uuid";

/** Null when the pipeline or the version is not this user's. */
export async function getVersion(input: {
  userId: string;
  pipelineId: string;
  version: number;
}): Promise<{ version: number; definition: PipelineDefinition } | null> {
  if (!isUuid(input.pipelineId) || !Number.isInteger(input.version)) return null;
  const row = await prisma.pipelineVersion.findFirst({
    where: { pipelineId: input.pipelineId, version: input.version, pipeline: { userId: input.userId } },
    select: { version: true, definition: true },
  });
  if (!row) return null;
  // As restoreVersion: older versions get today's defaults, so the diff compares like with like.
  return { version: row.version, definition: definitionSchema.parse(row.definition ?? {}) };
}
