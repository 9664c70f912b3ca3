// Shared setup for the worker's integration and fault tests: own users, pipelines and fakes per
// test, so files running in parallel on the same database never see each other's data.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import { prisma } from "../../lib/db";
import { createPipeline } from "../../lib/pipelines/create-pipeline";
import { createCredential } from "../../lib/credentials/create-credential";
import { buildKlientiksWeeekDefinition } from "./fixtures/seed-definition";
import { composePostParseSteps } from "./step-fixtures";
import type { PipelineDefinition } from "../../lib/definition/schema";

export const WEEEK_TOKEN = "wk_test_0123456789abcdef";

export async function createTestUser(): Promise<string> {
  const u = await prisma.user.create({ data: { email: `worker-${randomUUID()}@test.local`, passwordHash: "x" }, select: { id: true } });
  return u.id;
}

/** A RUNNING pipeline (version 1 stored) with the given definition. */
export async function createRunningPipeline(userId: string, definition: PipelineDefinition): Promise<{ id: string; webhookToken: string }> {
  const p = await createPipeline(userId, { name: `worker test ${randomUUID().slice(0, 8)}`, definition });
  await prisma.pipeline.update({ where: { id: p.id }, data: { status: "RUNNING" } });
  const row = await prisma.pipeline.findUniqueOrThrow({ where: { id: p.id }, select: { id: true, webhookToken: true } });
  return row;
}

/** The seed's «Клиентикс → Weeek» pipeline against a (fake) Weeek, with the token as a credential. */
export async function createSeedPipeline(userId: string, weeekUrl: string, statusId: string) {
  await createCredential({ userId, name: "Weeek API", secret: WEEEK_TOKEN });
  return createRunningPipeline(userId, buildKlientiksWeeekDefinition({ baseUrl: weeekUrl, statusId, credentialName: "Weeek API" }));
}

export const SEED_REQUEST = {
  client_id: "1042",
  client_name: "Иванова Мария",
  client_first_name: "Мария",
  client_second_name: "Иванова",
  client_phone: "+7 (999) 123-45-67",
  client_email: "maria@example.ru",
  appointment_id: "77",
  appointment_date: "2025-03-14",
  "appointment.time": "15:30",
  services: "Стрижка",
  appointment_total_cost: "1500",
};

/** A QUEUED run as ingest would store it (no job; the caller enqueues or lets the sweeper). */
export async function insertRun(
  pipelineId: string,
  userId: string,
  payload: Record<string, unknown>,
  extra: { receivedAt?: Date; status?: "QUEUED" | "RUNNING"; attempts?: number; startedAt?: Date; rerunOfId?: string; resumeFromStepId?: string } = {},
): Promise<string> {
  const r = await prisma.run.create({
    data: { pipelineId, userId, version: 1, method: "POST", payload: payload as object, query: {}, headers: {}, status: "QUEUED", ...extra },
    select: { id: true },
  });
  return r.id;
}

export async function waitFor<T>(fn: () => Promise<T | false | null | undefined>, timeoutMs: number, what: string): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export type CountingServer = {
  url: string;
  /** Requests per path. */
  hits: Map<string, number>;
  /** Requests per Idempotency-Key (runId:stepId). */
  byKey: Map<string, number>;
  /** Paths whose next request hangs (until the server closes). */
  hangNext: Set<string>;
  /** Paths that answer after this many ms. */
  slow: Map<string, number>;
  close(): Promise<void>;
};

/** An outside system for the fault tests: answers {"ok":true,"n":<count>} and counts everything. */
export async function startCountingServer(): Promise<CountingServer> {
  const hits = new Map<string, number>();
  const byKey = new Map<string, number>();
  const hangNext = new Set<string>();
  const slow = new Map<string, number>();
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const path = (req.url ?? "/").split("?")[0];
      const n = (hits.get(path) ?? 0) + 1;
      hits.set(path, n);
      const key = req.headers["idempotency-key"];
      if (typeof key === "string") byKey.set(key, (byKey.get(key) ?? 0) + 1);
      if (hangNext.delete(path)) return; // never answers
      const body = JSON.stringify({ ok: true, n, path });
      const answer = () => res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) }).end(body);
      const ms = slow.get(path);
      if (ms) setTimeout(answer, ms);
      else answer();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    byKey,
    hangNext,
    slow,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** compose → POST a → parse → POST b → parse: two outside calls with pure steps around them. */
export function twoCallDefinition(baseUrl: string): PipelineDefinition {
  const post = (id: string, name: string, path: string, from: string) => ({
    id,
    type: "http-request",
    name,
    config: {
      method: "POST",
      url: `${baseUrl}${path}`,
      headers: [{ key: "Content-Type", value: "application/json" }],
      bodyType: "json",
      bodyJson: `{{steps.${from}.result}}`,
      timeoutSeconds: 120,
      maxAttempts: 1,
      onMissing: "fail",
    },
  });
  return {
    sourceFields: [{ path: "name" }],
    steps: [
      {
        id: "compose",
        type: "json-composer",
        name: "Данные",
        config: { mode: "template", template: '{ "name": "{{source.name}}" }', fields: [], onMissing: "fail" },
      },
      post("call_a", "Первый вызов", "/a", "compose"),
      {
        id: "parse_a",
        type: "json-parser",
        name: "Ответ A",
        config: { input: "{{steps.call_a.body}}", outputs: [{ name: "n", path: '["n"]', key: "n" }], onMissing: "fail" },
      },
      post("call_b", "Второй вызов", "/b", "compose"),
      {
        id: "parse_b",
        type: "json-parser",
        name: "Ответ B",
        config: { input: "{{steps.call_b.body}}", outputs: [{ name: "n", path: '["n"]', key: "n" }], onMissing: "fail" },
      },
    ],
  };
}

/** «Задержка» until the event's `at`, then a POST to `url` with `bodyJson` («Напомнить»). */
export function waitThenPostDefinition(url: string, bodyJson = "{}"): PipelineDefinition {
  return {
    sourceFields: [],
    steps: [
      { id: "wait", type: "delay", name: "Подождать", config: { mode: "until", at: "{{source.at}}" } },
      { id: "post", type: "http-request", name: "Напомнить", config: { method: "POST", url, bodyType: "json", bodyJson } },
    ],
  };
}

/** compose → POST → parse: the 3-step pipeline of the benchmark. */
export function threeStepDefinition(url: string): PipelineDefinition {
  return {
    sourceFields: [{ path: "name" }, { path: "phone" }],
    steps: composePostParseSteps({
      composeName: "Данные",
      template: '{ "name": "{{source.name}}", "phone": "{{source.phone}}" }',
      postName: "Отправить",
      url,
      output: { name: "n", path: '["n"]', key: "n" },
    }),
  };
}

/** `npx tsx worker/index.ts` as a child with its own env; output kept for failure messages. */
export function spawnWorker(env: Record<string, string>): {
  child: ChildProcess;
  /** SIGKILL: the whole process group (npx → tsx → node), so kill -9 really kills the worker; other signals: the worker itself. */
  kill(signal: NodeJS.Signals): void;
  output: () => string;
  /** The worker's own pid (printed in its "ready" line; npx and tsx sit in between). */
  pid: () => number | undefined;
  exited: Promise<number | null>;
  gone: () => Promise<void>;
} {
  const child = spawn("npx", ["tsx", "worker/index.ts"], {
    cwd: process.cwd(),
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  // Every process of the group writes into these pipes; they close once the last one is gone and
  // everything it wrote has been read (a process can be dead while its last line is still unread).
  const drained = Promise.all([child.stdout!, child.stderr!].map((s) => new Promise<void>((r) => (s.closed ? r() : s.once("close", () => r())))));
  const pid = () => {
    const m = /\[worker\] ready .*pid (\d+)/.exec(out);
    return m ? Number(m[1]) : undefined;
  };
  // SIGKILL goes to the whole group. A graceful signal goes to the worker alone once it is known:
  // tsx, given the signal too, relays it and SIGKILLs its child if the child has not reported it
  // within 2 × 30 ms — which a worker finishing a thousand runs on a busy machine may not, and
  // then it dies without its graceful path. npx and tsx exit when the worker does.
  const kill = (signal: NodeJS.Signals) => {
    const own = signal === "SIGKILL" ? undefined : pid();
    try {
      process.kill(own ?? -child.pid!, signal);
    } catch {
      // already gone
    }
  };
  /** Resolves when the worker process itself is gone (npx may exit before it). */
  const gone = async () => {
    await exited;
    const p = pid();
    if (p === undefined) return;
    await waitFor(
      async () => {
        try {
          process.kill(p, 0);
          return false;
        } catch {
          return true;
        }
      },
      40_000,
      `worker ${p} to exit`,
    );
    await drained;
  };
  return { child, kill, output: () => out, pid, exited, gone };
}

/**
 * Points this test file at a database of its own (created and migrated now), so that the sweeper
 * and reaper of the workers it starts see only its runs. Call at module top, before any query.
 */
export function usePrivateDatabase(suffix: string): string {
  const base = new URL(process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/hookflow_test");
  base.pathname = `${base.pathname}_${suffix}`;
  const url = base.toString();
  execFileSync("npx", ["tsx", "scripts/db.ts", "reset"], { env: { ...process.env, DATABASE_URL: url }, stdio: "ignore" });
  process.env.DATABASE_URL = url;
  return url;
}

export { freePort } from "./free-port";

/** A private redis-server (never the shared one): tests may stop and restart it. */
export async function startPrivateRedis(port: number): Promise<{ url: string; stop(): Promise<void> }> {
  const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
  const exited = new Promise<void>((r) => child.on("exit", () => r()));
  await waitFor(
    () =>
      new Promise<boolean>((resolve) => {
        const s = net.connect(port, "127.0.0.1", () => {
          s.end();
          resolve(true);
        });
        s.on("error", () => resolve(false));
      }),
    10_000,
    `redis-server on ${port}`,
  );
  return {
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      child.kill("SIGKILL");
      await exited;
    },
  };
}
