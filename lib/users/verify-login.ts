// Sign-in with brute-force slowing, keyed on what the server can trust (the client address comes
// from the socket, or from X-Forwarded-For only behind TRUSTED_PROXIES — lib/security/client-address.ts):
//   - account + address: 5 free failures, then 10 s doubling up to 15 min — guessing from one
//     place is slowed hard, and only that place is locked;
//   - address: 30 free failures (many users may share one NAT), then 10 s doubling up to 15 min;
//   - account alone (guessing spread over many addresses): 20 free failures, then a lock capped
//     at 1 min, so nobody else can keep the owner out for long.
// Unknown e-mails cost the same scrypt verification as known ones (a dummy hash), so the reply
// time does not tell which accounts exist.
import { prisma } from "../db";
import { hashPassword, verifyPassword } from "./password";

type Rule = { free: number; maxLockMs: number };
const RULES: Record<"acct" | "ip" | "email", Rule> = {
  acct: { free: 5, maxLockMs: 15 * 60_000 },
  ip: { free: 30, maxLockMs: 15 * 60_000 },
  email: { free: 20, maxLockMs: 60_000 },
};

export class TooManyAttemptsError extends Error {
  constructor(public retryAfterSec: number) {
    super(`TOO_MANY_ATTEMPTS:${retryAfterSec}`);
  }
}

/** The throttle keys one attempt counts against. */
export function throttleKeys(email: string, clientAddress: string): string[] {
  return [`acct:${email}|${clientAddress}`, `ip:${clientAddress}`, `email:${email}`];
}

function ruleFor(key: string): Rule {
  return RULES[key.slice(0, key.indexOf(":")) as keyof typeof RULES] ?? RULES.acct;
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
  const rule = ruleFor(key);
  if (row.failures >= rule.free) {
    const ms = Math.min(rule.maxLockMs, 10_000 * 2 ** Math.min(20, row.failures - rule.free));
    await prisma.loginThrottle.update({ where: { key }, data: { lockedUntil: new Date(Date.now() + ms) } });
  }
}

// A real scrypt hash of a random password, made once: unknown e-mails are verified against it.
let dummyHash: Promise<string> | undefined;
const dummy = () => (dummyHash ??= hashPassword(crypto.randomUUID()));

export async function verifyLogin(emailRaw: string, password: string, clientAddress = "unknown") {
  const email = emailRaw.trim().toLowerCase();
  const keys = throttleKeys(email, clientAddress);
  const wait = await lockedFor(keys);
  if (wait > 0) throw new TooManyAttemptsError(Math.ceil(wait / 1000));
  const user = await prisma.user.findUnique({ where: { email } });
  const ok = await verifyPassword(password, user?.passwordHash ?? (await dummy()));
  if (!ok || !user) {
    await Promise.all(keys.map(recordFailure));
    return null;
  }
  await prisma.loginThrottle.deleteMany({ where: { key: { in: [keys[0], keys[2]] } } });
  return { id: user.id, email: user.email, name: user.name, locale: user.locale };
}
