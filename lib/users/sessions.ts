// Server-side sessions. The next-auth JWT in the cookie carries a Session row id (`sid`); a
// request counts as signed in only while that row exists, belongs to the token's user and is
// neither idle for longer than SESSION_IDLE_MS nor older than SESSION_MAX_AGE_MS. Deleting the row
// ends the session everywhere at once: sign-out, «Выйти на всех устройствах», a password change
// (which keeps only the session that made it). One primary-key lookup per authenticated request;
// lastSeenAt is written at most once per SESSION_TOUCH_MS.
import { prisma } from "../db";

export const SESSION_IDLE_MS = 7 * 24 * 3600_000;
export const SESSION_MAX_AGE_MS = 30 * 24 * 3600_000;
const SESSION_TOUCH_MS = 5 * 60_000;

export async function createSession(userId: string, userAgent = "", now = Date.now()): Promise<string> {
  // This user's dead sessions go now (no sweeper needed: only sign-ins create rows).
  await prisma.session.deleteMany({
    where: { userId, OR: [{ lastSeenAt: { lt: new Date(now - SESSION_IDLE_MS) } }, { createdAt: { lt: new Date(now - SESSION_MAX_AGE_MS) } }] },
  });
  const row = await prisma.session.create({ data: { userId, userAgent: userAgent.slice(0, 300) }, select: { id: true } });
  return row.id;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether the session `sid` of user `uid` is live; refreshes its idle clock now and then. */
export async function sessionIsLive(sid: unknown, uid: unknown, now = Date.now()): Promise<boolean> {
  if (typeof sid !== "string" || typeof uid !== "string" || !UUID.test(sid)) return false;
  const row = await prisma.session.findUnique({ where: { id: sid }, select: { userId: true, createdAt: true, lastSeenAt: true } });
  if (!row || row.userId !== uid) return false;
  if (now - row.lastSeenAt.getTime() > SESSION_IDLE_MS || now - row.createdAt.getTime() > SESSION_MAX_AGE_MS) {
    await prisma.session.deleteMany({ where: { id: sid } });
    return false;
  }
  if (now - row.lastSeenAt.getTime() > SESSION_TOUCH_MS) {
    await prisma.session.updateMany({ where: { id: sid }, data: { lastSeenAt: new Date(now) } }).catch(() => undefined);
  }
  return true;
}

export async function endSession(sid: unknown): Promise<void> {
  if (typeof sid !== "string" || !UUID.test(sid)) return;
  await prisma.session.deleteMany({ where: { id: sid } });
}

/** Ends every session of the user except `keepSid` (when given); returns how many ended. */
export async function endAllSessions(userId: string, keepSid?: string): Promise<number> {
  const r = await prisma.session.deleteMany({ where: { userId, ...(keepSid ? { id: { not: keepSid } } : {}) } });
  return r.count;
}
