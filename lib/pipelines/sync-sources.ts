// The Source rows of an обработка follow its saved definition (docs/sources.md): every source in
// `sources` (or the one source of an old definition) has a row; a source with a URL (every type
// but "schedule") has a token — kept across saves, new for a new source. A source removed from
// the definition keeps its row for the history, without a token (its URL stops working with the
// commit). Pipeline.webhookToken mirrors the token of the first source that has one.
import { prisma, Prisma } from "../db";
import { ValidationError } from "../errors";
import { sourcesOf, type PipelineDefinition } from "../definition/schema";
import { newWebhookToken } from "./rotate-webhook-token";

type Tx = Prisma.TransactionClient;

/** Writes the rows; returns the token the pipeline should mirror (null: no source has a URL). */
export async function syncSources(tx: Tx, pipeline: { id: string; userId: string }, def: PipelineDefinition): Promise<string | null> {
  const list = sourcesOf(def, pipeline.id);
  const ids = list.map((s) => s.id);
  const rows = await tx.source.findMany({
    where: { id: { in: ids } },
    select: { id: true, pipelineId: true, token: true, name: true, type: true, removedAt: true },
  });
  if (rows.some((r) => r.pipelineId !== pipeline.id)) {
    throw new ValidationError("Источник с таким id уже есть в другой обработке: у каждого источника свой id");
  }
  const byId = new Map(rows.map((r) => [r.id, r]));
  let mirror: string | null = null;
  for (const s of list) {
    const row = byId.get(s.id);
    const wantsUrl = s.type !== "schedule";
    let token = row?.token ?? null;
    if (wantsUrl && !token) token = newWebhookToken();
    if (!wantsUrl) token = null;
    if (!row) {
      await tx.source.create({ data: { id: s.id, pipelineId: pipeline.id, userId: pipeline.userId, token, name: s.name, type: s.type } });
    } else if (row.token !== token || row.name !== s.name || row.type !== s.type || row.removedAt) {
      await tx.source.update({ where: { id: s.id }, data: { token, name: s.name, type: s.type, removedAt: null } });
    }
    mirror ??= token;
  }
  await tx.source.updateMany({
    where: { pipelineId: pipeline.id, id: { notIn: ids }, removedAt: null },
    data: { token: null, removedAt: new Date() },
  });
  return mirror;
}

/** The URL tokens of a pipeline's sources (id → token; schedule and removed sources have none). */
export async function sourceTokens(pipelineId: string): Promise<Map<string, string>> {
  const rows = await prisma.source.findMany({ where: { pipelineId, token: { not: null } }, select: { id: true, token: true } });
  return new Map(rows.map((r) => [r.id, r.token!]));
}

/** A definition imported from a file gets fresh source ids (ids are global, the file's may be taken). */
export function withFreshSourceIds(def: PipelineDefinition, newId: () => string): PipelineDefinition {
  if (!def.sources) return def;
  return { ...def, sources: def.sources.map((s) => ({ ...s, id: newId() })) };
}
