// Restoring never rewrites history: the old definition is saved again as a new version, so runs
// that executed the versions in between still point at what they ran.
import { prisma } from "../db";
import { definitionSchema } from "../definition/schema";
import { isUuid } from "../uuid";
import { updatePipeline } from "./update-pipeline";

/** Null when the pipeline or the version is not this user's. */
export async function restoreVersion(input: { userId: string; pipelineId: string; version: number; expectedVersion?: number }) {
  if (!isUuid(input.pipelineId) || !Number.isInteger(input.version)) return null;
  const row = await prisma.pipelineVersion.findFirst({
    where: { pipelineId: input.pipelineId, version: input.version, pipeline: { userId: input.userId } },
    select: { definition: true },
  });
  if (!row) return null;
  // Older versions may predate fields added to the schema since; parsing fills their defaults.
  const definition = definitionSchema.parse(row.definition ?? {});
  return updatePipeline(input.userId, input.pipelineId, { definition, expectedVersion: input.expectedVersion });
}
