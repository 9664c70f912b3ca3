// Issue 15 end to end through the real path: GET /hooks/<token> (the webhook handler, the batched
// ingest) → BullMQ → the runs worker → the fake Weeek, with «Хранилище» and deduplication in
// Postgres. Nothing of ours is mocked.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import http from "node:http";
import { randomUUID } from "node:crypto";
import { createRunningPipeline, createTestUser, startCountingServer, waitFor, WEEEK_TOKEN, type CountingServer } from "../support/worker-helpers";
import { prisma, closeDb, pool } from "../../lib/db";
import { startRunsWorker, type RunsWorker } from "../../worker/runs-worker";
import { createOutboundHttp } from "../../lib/security/outbound-http";
import { createCredential } from "../../lib/credentials/create-credential";
import { getStarterKit } from "../../lib/starter-kits/registry";
import { WEEEK_CONTACTS_COLLECTION } from "../../lib/starter-kits/klientiks-weeek";
import { closeStoreLocks, listEntries } from "../../lib/store/store";
import { startFakeWeeek, type FakeWeeek } from "../support/fakes/weeek";
import { startHookServer } from "../support/hook-server";
import type { PipelineDefinition } from "../../lib/definition/schema";

let worker: RunsWorker;
let server: http.Server;
let origin: string;
let weeek: FakeWeeek;
let counting: CountingServer;

beforeAll(async () => {
  weeek = await startFakeWeeek({ token: WEEEK_TOKEN });
  counting = await startCountingServer();
  worker = startRunsWorker({
    redisUrl: process.env.REDIS_URL!,
    queueName: `test-store-dedup-${randomUUID()}`,
    concurrency: 40,
    executor: { http: createOutboundHttp({ allowlist: "127.0.0.1" }) },
    maintenance: false,
    heartbeat: false,
    log: () => undefined,
  });
  ({ server, origin } = await startHookServer(worker.queue));
});
afterAll(async () => {
  server.closeAllConnections();
  server.close();
  await worker.close();
  await worker.queue.obliterate({ force: true }).catch(() => undefined);
  await weeek.close();
  await counting.close();
  await closeStoreLocks();
  await closeDb();
});

/** Sends one Klientiks «Запись клиента на прием» as Klientiks does (GET with the query string). */
async function send(token: string, params: Record<string, string>): Promise<string> {
  const res = await fetch(`${origin}/hooks/${token}?${new URLSearchParams(params)}`);
  const body = (await res.json()) as { ok: boolean; runId: string };
  expect(res.status, JSON.stringify(body)).toBe(200);
  return body.runId;
}

async function waitDone(pipelineId: string, n: number) {
  return waitFor(
    async () => {
      const rows = await prisma.run.findMany({ where: { pipelineId }, select: { id: true, status: true, error: true, duplicateOfId: true, receivedAt: true } });
      return rows.length === n && rows.every((r) => !["QUEUED", "RUNNING"].includes(r.status)) ? rows : null;
    },
    60_000,
    `${n} finished runs`,
  );
}

// Realistic clients: quotes, emoji, Russian phone formats, an empty phone.
const client = (i: number) => ({
  client_id: String(5000 + i),
  client_name: i % 7 === 0 ? `Ольга "Оля" Смирнова-${i} 💅` : `Клиент №${i} Иванова`,
  client_phone: i % 5 === 0 ? "" : `+7 (9${String(i).padStart(2, "0")}) 123-45-67`,
});

const appointment = (i: number, n: number) => ({
  ...client(i),
  appointment_id: String(90_000 + i * 10 + n),
  appointment_date: "14.03.2025",
  appointment_time: `1${n}:30`,
  executor_name: "Мастер Анна",
  executor_phone: "8 912 000-00-00",
  services: n % 2 ? "Стрижка\nУкладка" : "Маникюр",
  appointment_total_cost: n % 2 ? "1 500,00" : "800",
  user_position: "Администратор",
});

describe("«Клиентикс → Weeek: сделка без дублей контактов» through the worker", () => {
  it("100 events of 20 clients (first events partly concurrent) → 20 contacts, 100 deals each linked to its client's contact", async () => {
    const userId = await createTestUser();
    await createCredential({ userId, name: "Weeek API", secret: WEEEK_TOKEN });
    const statusId = weeek.state.funnels[0].statuses[0].id;
    const def = getStarterKit("klientiks-weeek-deal-no-duplicates")!.build({
      klientiksEvent: "appointment_created",
      credentialName: "Weeek API",
      weeekBaseUrl: weeek.url,
      statusId,
    });
    const p = await createRunningPipeline(userId, def);
    // A CRM answering in 40 ms: without the per-key lock, concurrent first events would both miss
    // the key while the first contact is being created.
    weeek.delayAll(40);

    // Wave 1, all at once: clients 0–9 send their first three events together, clients 10–19 one.
    const wave1 = [];
    for (let i = 0; i < 10; i++) for (let n = 0; n < 3; n++) wave1.push(appointment(i, n));
    for (let i = 10; i < 20; i++) wave1.push(appointment(i, 0));
    await Promise.all(wave1.map((e) => send(p.webhookToken, e)));
    await waitDone(p.id, wave1.length);
    // Wave 2: the remaining 60 events, all at once.
    const wave2 = [];
    for (let i = 0; i < 10; i++) for (let n = 3; n < 5; n++) wave2.push(appointment(i, n));
    for (let i = 10; i < 20; i++) for (let n = 1; n < 5; n++) wave2.push(appointment(i, n));
    await Promise.all(wave2.map((e) => send(p.webhookToken, e)));
    const runs = await waitDone(p.id, 100);
    weeek.delayAll(0);

    expect(runs.filter((r) => r.status !== "SUCCEEDED").map((r) => r.error)).toEqual([]);
    expect(runs).toHaveLength(100);

    expect(weeek.state.contacts).toHaveLength(20);
    expect(weeek.state.deals).toHaveLength(100);
    expect(weeek.state.links).toHaveLength(100);
    const contactOf = new Map<string, string>(); // client name → contact id
    for (const c of weeek.state.contacts) {
      expect(contactOf.has(c.firstName), `two contacts for ${c.firstName}`).toBe(false);
      contactOf.set(c.firstName, c.id);
    }
    for (let i = 0; i < 20; i++) expect(contactOf.has(client(i).client_name), client(i).client_name).toBe(true);
    for (const deal of weeek.state.deals) {
      const name = deal.title.split(": ").slice(1).join(": ");
      expect(deal.contacts, deal.title).toEqual([contactOf.get(name)]);
    }
    // Amounts arrive as numbers whatever the Russian format.
    expect(new Set(weeek.state.deals.map((d) => d.amount))).toEqual(new Set([1500, 800]));

    // «Хранилище» holds exactly client_id → contact id for the 20 clients.
    const saved = await listEntries({ userId, collection: WEEEK_CONTACTS_COLLECTION, limit: 100 });
    expect(saved.entries).toHaveLength(20);
    for (let i = 0; i < 20; i++) {
      const e = saved.entries.find((x) => x.key === client(i).client_id);
      expect(e?.value).toBe(contactOf.get(client(i).client_name));
    }
    // The path each run took: a known client's event goes «Контакт уже есть» (no lock, the create
    // step SKIPPED); a new client's goes through the locked find-or-create, which created 20
    // contacts and, for the concurrent first events, found the id its twin had just saved.
    const steps = await prisma.runStep.findMany({
      where: { run: { pipelineId: p.id }, stepId: "create_contact_once" },
      select: { status: true, output: true },
    });
    expect(steps).toHaveLength(100);
    const ran = steps.filter((s) => s.status === "SUCCEEDED");
    const created = ran.filter((s) => (s.output as { created: boolean }).created).length;
    expect(created).toBe(20);
    expect(ran.length).toBeGreaterThanOrEqual(30); // wave 1: every first event missed the unlocked read
    expect(steps.filter((s) => s.status === "SKIPPED").length).toBe(100 - ran.length);
    const linkInputs = await prisma.runStep.findMany({ where: { run: { pipelineId: p.id }, stepId: "compose_link" }, select: { output: true } });
    expect(new Set(linkInputs.map((s) => (s.output as { result: { contactId: string } }).result.contactId))).toEqual(new Set(contactOf.values()));
  }, 120_000);
});

function oneCallDefinition(url: string, dedup: PipelineDefinition["dedup"]): PipelineDefinition {
  return {
    sourceFields: [],
    steps: [
      {
        id: "notify",
        type: "http-request",
        name: "Уведомить",
        config: { method: "POST", url, bodyType: "json", bodyJson: '{ "appointment": "{{source.appointment_id}}" }', onMissing: "empty" },
      },
    ],
    dedup,
  };
}

describe("duplicate incoming events", () => {
  it("the same event three times within the window → one executed run and two «Дубликат» linked to it; the sender gets 200 each time", async () => {
    const userId = await createTestUser();
    const path = `/dedup-${randomUUID()}`;
    const p = await createRunningPipeline(
      userId,
      oneCallDefinition(`${counting.url}${path}`, { enabled: true, by: "key", key: "{{source.appointment_id}}", windowMinutes: 10 }),
    );
    const event = appointment(1, 1);
    const first = await send(p.webhookToken, event);
    await waitDone(p.id, 1);
    // Klientiks retrying on a timeout: two more deliveries, the second pair at the same moment.
    const [second, third] = await Promise.all([send(p.webhookToken, event), send(p.webhookToken, event)]);
    const runs = await waitDone(p.id, 3);
    const byId = new Map(runs.map((r) => [r.id, r]));
    expect(byId.get(first)!.status).toBe("SUCCEEDED");
    expect([byId.get(second)!.status, byId.get(third)!.status]).toEqual(["DUPLICATE", "DUPLICATE"]);
    expect([byId.get(second)!.duplicateOfId, byId.get(third)!.duplicateOfId]).toEqual([first, first]);
    expect(counting.hits.get(path)).toBe(1);
    // The duplicates are stored with their request (history shows them), but ran no step.
    const dup = await prisma.run.findUniqueOrThrow({ where: { id: second }, include: { steps: true } });
    expect(dup.steps).toEqual([]);
    expect((dup.payload as Record<string, string>).appointment_id).toBe(event.appointment_id);

    // Another appointment of the same client is not a duplicate.
    await send(p.webhookToken, { ...event, appointment_id: "777" });
    await waitDone(p.id, 4);
    expect(counting.hits.get(path)).toBe(2);

    // After the window the same key runs again (and becomes the new original).
    await pool().query(`UPDATE "DedupKey" SET "expiresAt" = "seenAt" WHERE "pipelineId" = $1`, [p.id]);
    const later = await send(p.webhookToken, event);
    const all = await waitDone(p.id, 5);
    expect(all.find((r) => r.id === later)!.status).toBe("SUCCEEDED");
    expect(counting.hits.get(path)).toBe(3);
  }, 60_000);

  it("«хэш всего запроса»: equal requests are duplicates, a changed field is not; an event without the key value always runs", async () => {
    const userId = await createTestUser();
    const path = `/dedup-hash-${randomUUID()}`;
    const p = await createRunningPipeline(userId, oneCallDefinition(`${counting.url}${path}`, { enabled: true, by: "request", key: "", windowMinutes: 1 }));
    const event = appointment(2, 1);
    await send(p.webhookToken, event);
    await waitDone(p.id, 1);
    await send(p.webhookToken, event);
    await send(p.webhookToken, { ...event, appointment_total_cost: "1 600,00" });
    const runs = await waitDone(p.id, 3);
    expect(runs.map((r) => r.status).sort()).toEqual(["DUPLICATE", "SUCCEEDED", "SUCCEEDED"]);

    const keyed = await createRunningPipeline(
      userId,
      oneCallDefinition(`${counting.url}${path}-k`, { enabled: true, by: "key", key: "{{source.appointment_id}}", windowMinutes: 60 }),
    );
    const noKey: Record<string, string> = { ...event };
    delete noKey.appointment_id;
    await send(keyed.webhookToken, noKey);
    await send(keyed.webhookToken, noKey);
    expect((await waitDone(keyed.id, 2)).map((r) => r.status)).toEqual(["SUCCEEDED", "SUCCEEDED"]);

    // Deduplication off (the default): every delivery runs.
    const off = await createRunningPipeline(userId, oneCallDefinition(`${counting.url}${path}-off`, undefined));
    await send(off.webhookToken, event);
    await send(off.webhookToken, event);
    expect((await waitDone(off.id, 2)).map((r) => r.status)).toEqual(["SUCCEEDED", "SUCCEEDED"]);
  }, 60_000);
});
