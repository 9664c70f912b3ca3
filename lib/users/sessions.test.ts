import crypto from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDb, prisma } from "../db";
import { hashPassword } from "./password";
import { createSession, endAllSessions, endSession, SESSION_IDLE_MS, SESSION_MAX_AGE_MS, sessionIsLive } from "./sessions";
import { changePassword } from "./change-password";

let userId: string;
let otherId: string;

beforeAll(async () => {
  const mk = async (tag: string) =>
    (
      await prisma.user.create({
        data: { email: `sess-${tag}-${crypto.randomBytes(4).toString("hex")}@example.test`, passwordHash: await hashPassword("correct-horse-9") },
      })
    ).id;
  userId = await mk("a");
  otherId = await mk("b");
});

afterAll(async () => {
  await prisma.user.deleteMany({ where: { id: { in: [userId, otherId] } } });
  await closeDb();
});

describe("server-side sessions", () => {
  it("a session is live until it is ended; it never answers for another user", async () => {
    const sid = await createSession(userId, "Mozilla/5.0");
    expect(await sessionIsLive(sid, userId)).toBe(true);
    expect(await sessionIsLive(sid, otherId)).toBe(false);
    expect(await sessionIsLive("not-a-uuid", userId)).toBe(false);
    expect(await sessionIsLive(undefined, userId)).toBe(false);
    await endSession(sid);
    expect(await sessionIsLive(sid, userId)).toBe(false);
  });

  it("expires after a week idle and after 30 days in any case; use keeps it alive", async () => {
    const sid = await createSession(userId);
    const now = Date.now();
    expect(await sessionIsLive(sid, userId, now + SESSION_IDLE_MS - 60_000)).toBe(true); // touched: idle clock restarts
    expect(await sessionIsLive(sid, userId, now + SESSION_IDLE_MS + 120_000)).toBe(true);
    expect(await sessionIsLive(sid, userId, now + SESSION_MAX_AGE_MS + 1000)).toBe(false);
    expect(await prisma.session.count({ where: { id: sid } })).toBe(0);

    const idle = await createSession(userId);
    expect(await sessionIsLive(idle, userId, Date.now() + SESSION_IDLE_MS + 1000)).toBe(false);
  });

  it("«sign out everywhere» ends all; a password change ends all but the session that made it", async () => {
    const a = await createSession(userId);
    const b = await createSession(userId);
    const foreign = await createSession(otherId);
    expect(await changePassword(userId, "correct-horse-9", "синий кот пьёт чай", a)).toBe(1);
    expect(await sessionIsLive(a, userId)).toBe(true);
    expect(await sessionIsLive(b, userId)).toBe(false);
    await expect(changePassword(userId, "wrong-password", "another-long-phrase-7")).rejects.toThrow("Текущий пароль введён неверно");
    await expect(changePassword(userId, "синий кот пьёт чай", "password1234")).rejects.toThrow(/^Пароль слишком простой/);
    const c = await createSession(userId);
    expect(await endAllSessions(userId)).toBe(2);
    expect(await sessionIsLive(a, userId)).toBe(false);
    expect(await sessionIsLive(c, userId)).toBe(false);
    expect(await sessionIsLive(foreign, otherId)).toBe(true);
  });
});
