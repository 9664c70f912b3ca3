// «Сменить адрес». The ingest path resolves tokens inside its INSERT (no cache), so the old
// address stops working with the commit of this update.
import crypto from "node:crypto";
import { prisma } from "../db";
import { invalidateSourceSettings } from "../webhooks/source-settings";

/** A fresh webhook token: 192 random bits, base64url (32 characters). */
export function newWebhookToken(): string {
  return crypto.randomBytes(24).toString("base64url");
}

/** Gives the pipeline a new token; null when the pipeline is not this user's. */
export async function rotateWebhookToken(input: {
  userId: string;
  pipelineId: string;
}): Promise<{ webhookToken: string } | null> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(input.pipelineId)) return null;
  const webhookToken = newWebhookToken();
  const { count } = await prisma.pipeline.updateMany({
    where: { id: input.pipelineId, userId: input.userId },
    data: { webhookToken },
  });
  invalidateSourceSettings();
  return count === 1 ? { webhookToken } : null;
}
