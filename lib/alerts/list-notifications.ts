import { prisma } from "../db";
import { isUuid } from "../uuid";

type NotificationRow = {
  id: string;
  kind: string;
  to: string[];
  subject: string;
  runIds: string[];
  status: string;
  error: string | null;
  attempts: number;
  createdAt: Date;
  sentAt: Date | null;
};

export function notificationView(n: NotificationRow) {
  return {
    id: n.id,
    kind: n.kind,
    to: n.to,
    subject: n.subject,
    runIds: n.runIds.slice(0, 20),
    runCount: n.runIds.length,
    status: n.status,
    error: n.error,
    attempts: n.attempts,
    createdAt: n.createdAt.toISOString(),
    sentAt: n.sentAt?.toISOString() ?? null,
  };
}
export type NotificationView = ReturnType<typeof notificationView>;

/** Newest first; null when the pipeline is not the user's (→ 404). */
export async function listNotifications(userId: string, pipelineId: string, limit = 50): Promise<NotificationView[] | null> {
  if (!isUuid(pipelineId)) return null;
  const owned = await prisma.pipeline.findFirst({ where: { id: pipelineId, userId }, select: { id: true } });
  if (!owned) return null;
  const rows = await prisma.notification.findMany({
    where: { pipelineId, userId },
    orderBy: { createdAt: "desc" },
    take: Math.min(Math.max(limit, 1), 200),
  });
  return rows.map(notificationView);
}
