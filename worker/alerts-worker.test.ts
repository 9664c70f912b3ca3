// Alerts end to end against real Postgres and Redis, with an in-process SMTP server whose received
// messages are parsed with mailparser: what is checked is what a recipient would read.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import net from "node:net";
import crypto from "node:crypto";
import { prisma, closeDb } from "../lib/db";
import { env } from "../lib/env";
import { closeQueues, queue, ALERTS_QUEUE } from "../lib/queue/run-queue";
import { createCredential } from "../lib/credentials/create-credential";
import { onRunsFinished } from "../lib/alerts/on-runs-finished";
import { startAlertsWorker, sweep } from "./alerts-worker";
import { sendTestEmail } from "../lib/alerts/send-test-email";
import { listNotifications } from "../lib/alerts/list-notifications";
import { startSmtpSink, type SinkMessage, type SmtpSink } from "../test/support/fakes/smtp-sink";

let received: SinkMessage[] = [];
let sink: SmtpSink;
let sinkUrl: string;
let worker: { close(): Promise<void> } | null = null;

const FAST = { delivery: { attempts: 3, backoffMs: 100 } };
const SECRET = "sk_live_S3CRET_weeek_token_42";
const HAND_TOKEN = "handTypedTokenXYZ789";

async function startSink(): Promise<void> {
  sink = await startSmtpSink();
  received = sink.messages;
  sinkUrl = `smtp://127.0.0.1:${sink.port}`;
}

async function closedPortUrl(): Promise<string> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return `smtp://127.0.0.1:${port}`;
}

async function waitFor<T>(what: string, fn: () => Promise<T | null | undefined | false> | T | null | undefined | false, timeoutMs = 25_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const mailsAbout = (name: string) => received.filter((r) => (r.mail.subject ?? "").includes(name));

async function makeOwner(locale = "ru") {
  const tag = crypto.randomBytes(4).toString("hex");
  return prisma.user.create({ data: { email: `alerts-${tag}@example.test`, passwordHash: "x", locale } });
}

async function makePipeline(userId: string, over: { alertRecipients?: string[]; alertsEnabled?: boolean } = {}) {
  const name = `Клиентикс → Weeek ${crypto.randomBytes(3).toString("hex")}`;
  const id = crypto.randomUUID();
  const webhookToken = crypto.randomBytes(16).toString("hex");
  return prisma.pipeline.create({
    data: {
      id,
      userId,
      name,
      webhookToken,
      sources: { create: { id, userId, token: webhookToken, name: "Вебхук" } },
      definition: {
        sourceFields: ["client_name", "client_phone", "password", "amount", "city", "sixth_field"].map((path) => ({ path })),
        steps: [],
      },
      alertRecipients: over.alertRecipients ?? [],
      alertsEnabled: over.alertsEnabled ?? true,
    },
  });
}

async function makeRun(p: { id: string; userId: string }, status: "FAILED" | "SUCCEEDED", n = 0) {
  const failed = status === "FAILED";
  return prisma.run.create({
    data: {
      pipelineId: p.id,
      userId: p.userId,
      version: 1,
      status,
      method: "POST",
      payload: {
        client_name: "Иван Петров",
        client_phone: "+79990001122",
        password: "hunter2-pass",
        amount: 1000 + n,
        city: "Казань",
        sixth_field: "не должно попасть",
      },
      error: failed ? `Шаг 2 «Создать сделку»: HTTP 422 от api.weeek.net: {"message":"Invalid deal","echo":"${SECRET}"}` : null,
      failedStepId: failed ? "deal" : null,
      finishedAt: new Date(),
      steps: failed
        ? {
            create: [
              { stepId: "compose", position: 0, actionType: "json-composer", name: "Собрать JSON", status: "SUCCEEDED", output: { json: {} } },
              {
                stepId: "deal",
                position: 1,
                actionType: "http-request",
                name: "Создать сделку",
                status: "FAILED",
                error: `HTTP 422 от api.weeek.net: {"message":"Invalid deal"} (Authorization: Bearer ${HAND_TOKEN})`,
                output: { status: 422, body: { message: "Invalid deal", token: SECRET } },
              },
            ],
          }
        : undefined,
    },
  });
}

const finished = (run: { id: string; pipelineId: string; userId: string; status: string }) => ({
  id: run.id,
  pipelineId: run.pipelineId,
  userId: run.userId,
  status: run.status as "FAILED" | "SUCCEEDED",
});

beforeAll(async () => {
  // This file owns its Redis database (TEST_REDIS_URL): leftovers of an earlier run must not fire.
  await queue(ALERTS_QUEUE).obliterate({ force: true });
  await startSink();
  worker = startAlertsWorker({ smtpUrl: sinkUrl, sweepEveryMs: 0 });
});

afterAll(async () => {
  await worker?.close();
  await sink.close();
  await closeQueues();
  await closeDb();
});

vi.setConfig({ testTimeout: 60_000 });

describe("failure e-mail", () => {
  it("goes to the owner and the extra recipients with the step, its error, inputs and link — no secrets", async () => {
    const owner = await makeOwner();
    await createCredential({ userId: owner.id, name: "weeek", secret: SECRET });
    const p = await makePipeline(owner.id, { alertRecipients: ["ops@example.test", owner.email.toUpperCase()] });
    const run = await makeRun(p, "FAILED");

    await onRunsFinished([finished(run)], FAST);
    const [msg] = await waitFor("the failure e-mail", () => (mailsAbout(p.name).length === 1 ? mailsAbout(p.name) : null));

    expect(msg.to.sort()).toEqual([owner.email, "ops@example.test"].sort());
    expect(msg.mail.subject).toBe(`Hookflow: ошибка в обработке «${p.name}»`);
    const text = msg.mail.text ?? "";
    const html = String(msg.mail.html);
    for (const body of [text, html]) {
      expect(body).toContain("Шаг 2 «Создать сделку»");
      expect(body).toContain("HTTP 422 от api.weeek.net");
      expect(body).toContain("Invalid deal");
      expect(body).toContain("Иван Петров");
      expect(body).toContain(`${env().APP_URL}/history/${run.id}`);
      expect(body).not.toContain(SECRET);
      expect(body).not.toContain(HAND_TOKEN);
      expect(body).not.toContain("hunter2-pass");
      expect(body).not.toContain("не должно попасть");
    }
    expect(text).toContain("HTTP-статус: 422");
    expect(text).toContain("(Authorization: Bearer ***)");
    expect(text.indexOf("client_name: Иван Петров")).toBeLessThan(text.indexOf("city: Казань"));
    expect(msg.mail.subject).not.toContain(SECRET);

    const rows = await prisma.notification.findMany({ where: { pipelineId: p.id } });
    expect(rows).toHaveLength(1);
    await waitFor("SENT status", async () => (await prisma.notification.findUnique({ where: { id: rows[0].id } }))?.status === "SENT");
    expect(rows[0]).toMatchObject({ kind: "FAILURE", runIds: [run.id] });
  });

  it("is written in the owner's language", async () => {
    const owner = await makeOwner("en");
    const p = await makePipeline(owner.id);
    await onRunsFinished([finished(await makeRun(p, "FAILED"))], FAST);
    const [msg] = await waitFor("the e-mail", () => (mailsAbout(p.name).length ? mailsAbout(p.name) : null));
    expect(msg.mail.subject).toBe(`Hookflow: pipeline "${p.name}" failed`);
    expect(msg.mail.text).toContain("Failed step");
  });

  it("is not sent when alerts are off", async () => {
    const owner = await makeOwner();
    const p = await makePipeline(owner.id, { alertsEnabled: false });
    await onRunsFinished([finished(await makeRun(p, "FAILED"))], FAST);
    await new Promise((r) => setTimeout(r, 500));
    expect(await prisma.notification.count({ where: { pipelineId: p.id } })).toBe(0);
    expect(mailsAbout(p.name)).toHaveLength(0);
  });
});

describe("throttle", () => {
  it("10 failures in a window (reported concurrently) → 1 immediate e-mail + 1 digest saying 9", async () => {
    const owner = await makeOwner();
    const p = await makePipeline(owner.id);
    const runs = await Promise.all(Array.from({ length: 10 }, (_, i) => makeRun(p, "FAILED", i)));
    // The window must outlast reporting all ten even on a busy machine (under load the ten calls
    // took over 2 s and the digest went out with the first six only).
    const opts = { ...FAST, windowMs: 10_000 };
    // As several worker processes would: separate calls racing on the same pipeline.
    await Promise.all(runs.map((r) => onRunsFinished([finished(r)], opts)));

    const first = await waitFor("the immediate e-mail", () => mailsAbout(p.name)[0]);
    expect(first.mail.subject).toBe(`Hookflow: ошибка в обработке «${p.name}»`);
    expect(mailsAbout(p.name)).toHaveLength(1);

    const digest = await waitFor("the digest", () => mailsAbout(p.name)[1], 25_000);
    expect(digest.mail.subject).toBe(`Hookflow: ещё 9 ошибок в обработке «${p.name}»`);
    expect(digest.mail.text).toContain("ещё 9 раз");
    expect(digest.mail.text).toContain("HTTP 422 от api.weeek.net");
    expect(digest.mail.text).toContain("(9 раз)");
    const immediateRun = (await prisma.notification.findFirstOrThrow({ where: { pipelineId: p.id, kind: "FAILURE" } })).runIds[0];
    for (const r of runs) if (r.id !== immediateRun) expect(digest.mail.text).toContain(`/history/${r.id}`);
    expect(digest.mail.text).not.toContain(`/history/${immediateRun}`);

    await new Promise((r) => setTimeout(r, 2_500));
    expect(mailsAbout(p.name)).toHaveLength(2);
    const kinds = (await prisma.notification.findMany({ where: { pipelineId: p.id }, orderBy: { createdAt: "asc" } })).map((n) => [n.kind, n.runIds.length]);
    expect(kinds).toEqual([
      ["FAILURE", 1],
      ["DIGEST", 9],
    ]);
  });

  it("a failure after the window has closed is mailed at once again", async () => {
    const owner = await makeOwner();
    const p = await makePipeline(owner.id);
    const opts = { ...FAST, windowMs: 300 };
    await onRunsFinished([finished(await makeRun(p, "FAILED"))], opts);
    await waitFor("first", () => mailsAbout(p.name)[0]);
    await new Promise((r) => setTimeout(r, 400));
    await onRunsFinished([finished(await makeRun(p, "FAILED"))], opts);
    const second = await waitFor("second", () => mailsAbout(p.name)[1]);
    expect(second.mail.subject).toBe(`Hookflow: ошибка в обработке «${p.name}»`);
  });

  it("a success after failures → exactly one «восстановлено», carrying the failures still pending", async () => {
    const owner = await makeOwner();
    const p = await makePipeline(owner.id);
    const opts = { ...FAST, windowMs: 60_000 };
    const fails = await Promise.all([0, 1, 2].map((i) => makeRun(p, "FAILED", i)));
    await onRunsFinished(fails.map(finished), opts);
    await waitFor("the failure e-mail", () => mailsAbout(p.name)[0]);

    const ok1 = await makeRun(p, "SUCCEEDED");
    const ok2 = await makeRun(p, "SUCCEEDED");
    await onRunsFinished([finished(ok1)], opts);
    await onRunsFinished([finished(ok2)], opts);
    await onRunsFinished([finished(ok1)], opts); // a repeated report changes nothing

    const recovered = await waitFor("the recovered e-mail", () => mailsAbout(p.name)[1]);
    expect(recovered.mail.subject).toBe(`Hookflow: обработка «${p.name}» восстановлена`);
    expect(recovered.mail.text).toContain("восстановлено");
    expect(recovered.mail.text).toContain(`/history/${ok1.id}`);
    expect(recovered.mail.text).toContain("ещё 2 ошибки");
    await new Promise((r) => setTimeout(r, 700));
    const all = mailsAbout(p.name);
    expect(all.filter((m) => /восстановлена/.test(m.mail.subject ?? ""))).toHaveLength(1);
    expect(all).toHaveLength(2);
  });
});

describe("delivery", () => {
  it("SMTP down → retried with backoff, then recorded FAILED with the error; the run is unaffected", async () => {
    await worker?.close();
    const down = startAlertsWorker({ smtpUrl: await closedPortUrl(), sweepEveryMs: 0 });
    try {
      const owner = await makeOwner();
      const p = await makePipeline(owner.id);
      const run = await makeRun(p, "FAILED");
      const before = await prisma.run.findUniqueOrThrow({ where: { id: run.id } });

      await expect(onRunsFinished([finished(run)], FAST)).resolves.toBeUndefined();
      const n = await waitFor("the FAILED notification", async () => {
        const row = await prisma.notification.findFirst({ where: { pipelineId: p.id } });
        return row?.status === "FAILED" ? row : null;
      });
      expect(n.attempts).toBe(3);
      expect(n.error).toMatch(/^SMTP-сервер недоступен: .*ECONNREFUSED/);
      expect(n.sentAt).toBeNull();

      const after = await prisma.run.findUniqueOrThrow({ where: { id: run.id } });
      expect(after).toEqual(before);
      const listed = await listNotifications(owner.id, p.id);
      expect(listed?.[0]).toMatchObject({ status: "FAILED", kind: "FAILURE", to: [owner.email] });
    } finally {
      await down.close();
      worker = startAlertsWorker({ smtpUrl: sinkUrl, sweepEveryMs: 0 });
    }
  });

  it("test e-mail: sent through SMTP and recorded; a dead server gives a readable error", async () => {
    const owner = await makeOwner();
    const p = await makePipeline(owner.id, { alertRecipients: ["team@example.test"] });

    const ok = await sendTestEmail(owner.id, p.id, sinkUrl);
    expect(ok).toMatchObject({ ok: true, notification: { kind: "TEST", status: "SENT" } });
    const msg = await waitFor("the test e-mail", () => mailsAbout(p.name)[0]);
    expect(msg.mail.subject).toBe(`Hookflow: тестовое письмо для обработки «${p.name}»`);
    expect(msg.to.sort()).toEqual([owner.email, "team@example.test"].sort());

    const bad = await sendTestEmail(owner.id, p.id, await closedPortUrl());
    expect(bad).toMatchObject({ ok: false, notification: { kind: "TEST", status: "FAILED" } });
    expect(bad && !bad.ok && bad.error).toMatch(/^SMTP-сервер недоступен: .*ECONNREFUSED/);

    const other = await makeOwner();
    expect(await sendTestEmail(other.id, p.id, sinkUrl)).toBeNull();
    expect(await listNotifications(other.id, p.id)).toBeNull();
    expect((await listNotifications(owner.id, p.id))?.map((n) => n.status)).toEqual(["FAILED", "SENT"]);
  });

  it("test e-mail is rationed per account and per recipient, with a clear 429-style message", async () => {
    const shared = `shared-${crypto.randomBytes(3).toString("hex")}@example.test`;
    const a = await makeOwner();
    const b = await makeOwner("en");
    const pa = await makePipeline(a.id, { alertRecipients: [shared] });
    const pb = await makePipeline(b.id, { alertRecipients: [shared] });
    for (let i = 0; i < 3; i++) expect(await sendTestEmail(a.id, pa.id, sinkUrl)).toMatchObject({ ok: true });
    for (let i = 0; i < 2; i++) expect(await sendTestEmail(b.id, pb.id, sinkUrl)).toMatchObject({ ok: true });
    // The shared address has had 5 in the hour: nobody may send it a sixth.
    const refused = await sendTestEmail(a.id, pa.id, sinkUrl);
    expect(refused).toMatchObject({ ok: false, rateLimited: true, retryAfterSec: expect.any(Number) });
    expect(refused && !refused.ok && refused.error).toBe(
      `Слишком много тестовых писем на ${shared}: не больше 5 в час на один адрес. Попробуйте снова через 60 мин.`,
    );
    const refusedEn = await sendTestEmail(b.id, pb.id, sinkUrl);
    expect(refusedEn && !refusedEn.ok && refusedEn.error).toMatch(
      new RegExp(`^Too many test e-mails to ${shared.replace(/\./g, "\\.")}: at most 5 per hour per address`),
    );
    expect(await prisma.notification.count({ where: { kind: "TEST", to: { has: shared } } })).toBe(5);

    // Per account: only the owner's own address, 10 per hour.
    const c = await makeOwner();
    const pc = await makePipeline(c.id);
    for (let i = 0; i < 10; i++) expect(await sendTestEmail(c.id, pc.id, sinkUrl)).toMatchObject({ ok: true });
    const eleventh = await sendTestEmail(c.id, pc.id, sinkUrl);
    expect(eleventh && !eleventh.ok && eleventh.error).toMatch(
      /^Слишком много тестовых писем: не больше 10 в час с одной учётной записи\. Попробуйте снова через \d+ мин\.$/,
    );
  });
});

describe("sweeper", () => {
  it("sends what Redis lost: an old PENDING row and a digest whose window ended long ago", async () => {
    const owner = await makeOwner();
    const p = await makePipeline(owner.id);
    const runs = await Promise.all([0, 1].map((i) => makeRun(p, "FAILED", i)));
    const lost = await prisma.notification.create({
      data: {
        userId: owner.id,
        pipelineId: p.id,
        kind: "FAILURE",
        to: [owner.email],
        subject: `Hookflow: ошибка в обработке «${p.name}»`,
        runIds: [runs[0].id],
        createdAt: new Date(Date.now() - 10 * 60_000),
      },
    });
    await prisma.alertState.create({
      data: { pipelineId: p.id, failing: true, windowStart: new Date(Date.now() - 30 * 60_000), pendingCount: 1, pendingRunIds: [runs[1].id] },
    });

    await sweep();
    await waitFor("both e-mails", () => (mailsAbout(p.name).length === 2 ? true : null));
    // The sink has the mail a moment before the worker records it as sent.
    await waitFor("the lost notification marked SENT", async () => (await prisma.notification.findUniqueOrThrow({ where: { id: lost.id } })).status === "SENT");
    const digest = await prisma.notification.findFirstOrThrow({ where: { pipelineId: p.id, kind: "DIGEST" } });
    expect(digest.runIds).toEqual([runs[1].id]);
    expect((await prisma.alertState.findUniqueOrThrow({ where: { pipelineId: p.id } })).pendingCount).toBe(0);
  });
});
