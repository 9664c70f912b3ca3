// «Получить»: the fields of a received request become the source's field list. No time window:
// the newest request counts however old it is (a test event may have been sent yesterday).
import { prisma, Prisma } from "../db";
import { extractFields } from "../webhooks/extract-fields";
import { definitionSchema, sourcesOf, type SourceField } from "../definition/schema";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type FetchSourceFieldsResult =
  | { found: true; runId: string; receivedAt: Date; sourceFields: SourceField[] }
  /** The pipeline has received nothing usable yet; its definition is left as it was. */
  | { found: false };

/**
 * The runs of one source: its own, and for the source whose id is the pipeline's (the one source of
 * an old definition) also the runs from before several sources (sourceId null) — as run-filter.ts.
 */
export function runsOfSource(sourceId: string, pipelineId: string) {
  return sourceId === pipelineId ? { OR: [{ sourceId }, { sourceId: null }] } : { sourceId };
}

/**
 * Extracts the fields of the newest received request (or of `runId`) and saves them as the
 * source's field list (`sourceId`: that source's requests and fields; absent: the first source's).
 * Rejected requests (413/400/415) carry no usable fields and are skipped. A source not saved yet
 * gets the fields in the answer only. Null when the pipeline, or the chosen run, is not this user's.
 */
export async function fetchSourceFields(input: {
  userId: string;
  pipelineId: string;
  runId?: string;
  sourceId?: string;
}): Promise<FetchSourceFieldsResult | null> {
  const { userId, pipelineId, runId } = input;
  if (!UUID.test(pipelineId) || (runId !== undefined && !UUID.test(runId)) || (input.sourceId !== undefined && !UUID.test(input.sourceId))) return null;

  const pipeline = await prisma.pipeline.findFirst({ where: { id: pipelineId, userId }, select: { id: true, definition: true } });
  if (!pipeline) return null;
  const saved = sourcesOf(definitionSchema.parse(pipeline.definition ?? {}), pipelineId);
  const sourceId = input.sourceId ?? saved[0].id;
  const bySource = runId ? {} : runsOfSource(sourceId, pipelineId);

  const run = await prisma.run.findFirst({
    where: { pipelineId, userId, status: { not: "REJECTED" }, ...(runId ? { id: runId } : {}), ...bySource },
    orderBy: [{ receivedAt: "desc" }, { id: "desc" }],
    select: { id: true, receivedAt: true, payload: true },
  });
  if (!run) return runId ? null : { found: false };

  const sourceFields = extractFields(run.payload);

  // Only sourceFields changes; a concurrent save of the steps must not be overwritten, so the
  // write is conditional on the definition being the one that was read.
  for (let attempt = 0; attempt < 5; attempt++) {
    const current = await prisma.pipeline.findFirst({
      where: { id: pipelineId, userId },
      select: { definition: true, updatedAt: true },
    });
    if (!current) return null;
    const raw = current.definition as Record<string, unknown>;
    let definition: Record<string, unknown>;
    if (Array.isArray(raw.sources)) {
      const list = raw.sources as { id?: unknown }[];
      if (!list.some((s) => s.id === sourceId)) return { found: true, runId: run.id, receivedAt: run.receivedAt, sourceFields };
      definition = { ...raw, sources: list.map((s) => (s.id === sourceId ? { ...s, fields: sourceFields } : s)) };
    } else {
      if (sourceId !== pipelineId) return { found: true, runId: run.id, receivedAt: run.receivedAt, sourceFields };
      definition = { ...raw, sourceFields };
    }
    const { count } = await prisma.pipeline.updateMany({
      where: { id: pipelineId, userId, updatedAt: current.updatedAt },
      data: { definition: definition as Prisma.InputJsonValue },
    });
    if (count === 1) return { found: true, runId: run.id, receivedAt: run.receivedAt, sourceFields };
  }
  throw new Error("fetchSourceFields: the pipeline kept changing, try again");
}
