// «Сменить адрес» of one source. The ingest path resolves tokens inside its INSERT (no cache), so
// the old address stops working with the commit of this update.
import crypto from "node:crypto";
import { prisma } from "../db";
import { invalidateSourceSettings } from "../webhooks/source-settings";

/** A fresh webhook token: 192 random bits, base64url (32 characters). */
export function newWebhookToken(): string {
  return crypto.randomBytes(24).toString("base64url");
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Gives a source a new token (sourceId absent: the first source, whose token the pipeline
 * mirrors); null when the pipeline or the source is not this user's or the source has no URL.
 */
export async function rotateWebhookToken(input: {
  userId: string;
  pipelineId: string;
  sourceId?: string;
}): Promise<{ webhookToken: string; sourceId: string } | null> {
  if (!UUID.test(input.pipelineId) || (input.sourceId !== undefined && !UUID.test(input.sourceId))) return null;
  const webhookToken = newWebhookToken();
  const out = await prisma.$transaction(async (tx) => {
    const p = await tx.pipeline.findFirst({ where: { id: input.pipelineId, userId: input.userId }, select: { webhookToken: true } });
    if (!p) return null;
    const source = input.sourceId
      ? await tx.source.findFirst({ where: { id: input.sourceId, pipelineId: input.pipelineId, token: { not: null } } })
      : await tx.source.findFirst({ where: { pipelineId: input.pipelineId, token: p.webhookToken } });
    if (!source) return null;
    await tx.source.update({ where: { id: source.id }, data: { token: webhookToken } });
    if (source.token === p.webhookToken) await tx.pipeline.update({ where: { id: input.pipelineId }, data: { webhookToken } });
    return { webhookToken, sourceId: source.id };
  });
  invalidateSourceSettings();
  return out;
}
