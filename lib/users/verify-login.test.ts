import crypto from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDb, prisma } from "../db";
import { hashPassword } from "./password";
import { TooManyAttemptsError, verifyLogin } from "./verify-login";

const PASSWORD = "correct-horse-9";
let email: string;

beforeAll(async () => {
  email = `login-${crypto.randomBytes(4).toString("hex")}@example.test`;
  await prisma.user.create({ data: { email, passwordHash: await hashPassword(PASSWORD) } });
});

afterAll(async () => {
  await prisma.user.deleteMany({ where: { email } });
  await prisma.loginThrottle.deleteMany({ where: { key: { contains: email } } });
  await closeDb();
});

const addr = () => `198.51.100.${crypto.randomInt(1, 254)}-${crypto.randomBytes(3).toString("hex")}`;

/**
 * CPU time the call costs this process (scrypt runs on libuv's threads, which count too). CPU
 * time, not wall time: the work done does not change when a busy machine makes it wait.
 */
async function cpuCost(fn: () => Promise<unknown>): Promise<number> {
  const t0 = process.cpuUsage();
  await fn().catch(() => undefined);
  const d = process.cpuUsage(t0);
  return (d.user + d.system) / 1000;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

describe("verifyLogin", () => {
  it("an unknown e-mail costs a password verification too (no probing by timing)", async () => {
    await verifyLogin(`nobody-${crypto.randomUUID()}@example.test`, "x", addr()); // computes the dummy hash once
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 7; i++) {
      known.push(await cpuCost(() => verifyLogin(email, `wrong-${i}`, addr())));
      unknown.push(await cpuCost(() => verifyLogin(`nobody-${crypto.randomUUID()}@example.test`, `wrong-${i}`, addr())));
    }
    // Without the dummy hash the unknown path skipped scrypt and cost ~1/5 of the CPU time.
    expect(median(unknown) / median(known)).toBeGreaterThan(0.6);
    await prisma.loginThrottle.deleteMany({ where: { key: { contains: email } } });
  });

  it("locks the guessing address for the account, not the owner signing in from elsewhere", async () => {
    const attacker = addr();
    for (let i = 0; i < 5; i++) expect(await verifyLogin(email, `guess-${i}`, attacker)).toBeNull();
    await expect(verifyLogin(email, PASSWORD, attacker)).rejects.toBeInstanceOf(TooManyAttemptsError);
    expect(await verifyLogin(email, PASSWORD, addr())).toMatchObject({ email });
  });

  it("guessing spread over many addresses locks the account for at most a minute", async () => {
    for (let i = 0; i < 26; i++) await verifyLogin(email, `spread-${i}`, addr()).catch(() => undefined);
    const row = await prisma.loginThrottle.findUniqueOrThrow({ where: { key: `email:${email}` } });
    expect(row.failures).toBeGreaterThanOrEqual(20);
    expect(row.lockedUntil!.getTime() - Date.now()).toBeLessThanOrEqual(60_000);
    expect(row.lockedUntil!.getTime()).toBeGreaterThan(Date.now());
    const err = await verifyLogin(email, PASSWORD, addr()).catch((e) => e);
    expect(err).toBeInstanceOf(TooManyAttemptsError);
    expect((err as TooManyAttemptsError).retryAfterSec).toBeLessThanOrEqual(60);
    await prisma.loginThrottle.deleteMany({ where: { key: { contains: email } } });
  });
});
