// Sign-in with brute-force slowing: after 5 failures for an e-mail (30 for a client address, which
// many users may share behind one NAT), each further failure locks that key for an exponentially
// growing time (10 s … 15 min).
import { prisma } from "../db";
import { verifyPassword } from "./password";

const FREE_FAILURES = { email: 5, ip: 30 } as const;
const MAX_LOCK_MS = 15 * 60_000;

export class TooManyAttemptsError extends Error {
  constructor(public retryAfterSec: number) {
    super(`TOO_MANY_ATTEMPTS:${retryAfterSec}`);
  }
}

async function lockedFor(keys: string[]): Promise<number> {
  const rows = await prisma.loginThrottle.findMany({ where: { key: { in: keys } } });
  const now = Date.now();
  return Math.max(0, ...rows.map((r) => (r.lockedUntil ? r.lockedUntil.getTime() - now : 0)));
}

async function recordFailure(key: string): Promise<void> {
  const row = await prisma.loginThrottle.upsert({
    where: { key },
    create: { key, failures: 1 },
    update: { failures: { increment: 1 } },
  });
  const free = key.startsWith("ip:") ? FREE_FAILURES.ip : FREE_FAILURES.email;
  if (row.failures >= free) {
    const ms = Math.min(MAX_LOCK_MS, 10_000 * 2 ** (row.failures - free));
    await prisma.loginThrottle.update({ where: { key }, data: { lockedUntil: new Date(Date.now() + ms) } });
  }
}

export async function verifyLogin(emailRaw: string, password: string, clientIp = "unknown") {
  const email = emailRaw.trim().toLowerCase();
  const keys = [`email:${email}`, `ip:${clientIp}`];
  const wait = await lockedFor(keys);
  if (wait > 0) throw new TooManyAttemptsError(Math.ceil(wait / 1000));
  const user = await prisma.user.findUnique({ where: { email } });
  const ok = user ? await verifyPassword(password, user.passwordHash) : false;
  if (!ok || !user) {
    await Promise.all(keys.map(recordFailure));
    return null;
  }
  await prisma.loginThrottle.deleteMany({ where: { key: `email:${email}` } });
  return { id: user.id, email: user.email, name: user.name, locale: user.locale };
}
