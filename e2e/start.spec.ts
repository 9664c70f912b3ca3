// `npm start` itself, as a child process (`node scripts/start.mjs --no-build`, reusing the build
// the suite made): with nothing configured it runs its own PostgreSQL and Redis (forced by
// HOOKFLOW_EMBEDDED=1, and automatically when nothing answers at the default addresses — moved to
// closed ports here so the shared 5432/6379 are never touched), a webhook run succeeds end to end,
// and the supervisor restarts a worker or web killed with -9 while the rest keeps serving.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { test, expect, request as pwRequest, type APIRequestContext } from "@playwright/test";
import { apiUser } from "../test/support/e2e-helpers";
import { composePostParseSteps } from "../test/support/step-fixtures";

test.describe.configure({ mode: "serial" });

const root = path.resolve(import.meta.dirname, "..");
/** The embedded services' data directory (HOOKFLOW_EMBEDDED_DIR), shared by the tests below. */
let dataDir = "";

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function waitFor<T>(fn: () => T | Promise<T>, timeoutMs: number, what: () => string): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

type Hookflow = {
  child: ChildProcess;
  base: string;
  output: () => string;
  /** Every pid the supervisor printed for `name` ("web", "worker"), oldest first. */
  pids: (name: string) => number[];
  servicePid: (name: "PostgreSQL" | "Redis") => number | undefined;
  exited: Promise<number | null>;
};

/** `npm start` (without the build step) with nothing configured but what `env` adds. */
async function startHookflow(env: Record<string, string>): Promise<Hookflow> {
  const port = await freePort();
  const base = `http://localhost:${port}`;
  const clean = { ...process.env };
  for (const k of ["DATABASE_URL", "REDIS_URL", "HOOKFLOW_EMBEDDED", "NODE_OPTIONS"]) delete clean[k];
  const child = spawn(process.execPath, ["scripts/start.mjs", "--no-build"], {
    cwd: root,
    env: {
      ...clean,
      PORT: String(port),
      APP_URL: base,
      NEXTAUTH_URL: base,
      HOOKFLOW_EMBEDDED_DIR: dataDir,
      HOOKFLOW_EMBEDDED_PG_PORT: String(await freePort()),
      HOOKFLOW_EMBEDDED_REDIS_PORT: String(await freePort()),
      SMTP_URL: `smtp://127.0.0.1:${await freePort()}`,
      NEXT_TELEMETRY_DISABLED: "1",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  const pids = (name: string) => [...out.matchAll(new RegExp(`\\[hookflow\\] ${name} started \\(pid (\\d+)\\)`, "g"))].map((m) => Number(m[1]));
  const servicePid = (name: string) => {
    const m = new RegExp(`started embedded ${name} [\\d.]+ on 127\\.0\\.0\\.1:\\d+ \\(pid (\\d+)\\)`).exec(out);
    return m ? Number(m[1]) : undefined;
  };
  return { child, base, output: () => out, pids, servicePid, exited };
}

/** Up: /healthz answers and the worker said it is ready. */
async function waitUp(h: Hookflow) {
  let exitCode: number | null | undefined;
  void h.exited.then((c) => (exitCode = c));
  await waitFor(
    async () => {
      if (exitCode !== undefined) throw new Error(`npm start exited with ${exitCode}:\n${h.output()}`);
      const health = await fetch(`${h.base}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
      return health && /\[worker\] ready/.test(h.output());
    },
    180_000,
    () => `npm start to come up:\n${h.output()}`,
  );
}

/** Ctrl-C / SIGTERM: exits 0 and leaves no process behind. */
async function stopAndCheck(h: Hookflow, signal: NodeJS.Signals) {
  const pids = [...h.pids("web"), ...h.pids("worker"), h.servicePid("PostgreSQL"), h.servicePid("Redis")].filter((p): p is number => !!p);
  h.child.kill(signal);
  expect(await h.exited).toBe(0);
  expect(h.output()).toContain("[hookflow] stopped");
  for (const pid of pids) expect(alive(pid), `pid ${pid} is gone`).toBe(false);
}

function forceKill(h: Hookflow | undefined) {
  if (!h || h.child.exitCode !== null) return;
  for (const pid of [h.servicePid("PostgreSQL"), h.servicePid("Redis"), h.child.pid]) {
    try {
      if (pid) process.kill(pid === h.child.pid ? -pid : pid, "SIGKILL");
    } catch {
      // gone
    }
  }
}

/** The outside system the pipeline posts to: keeps each JSON body, answers with an id. */
type Crm = { url: string; bodies: unknown[]; close(): Promise<void> };
async function startCrm(): Promise<Crm> {
  const bodies: unknown[] = [];
  const server = http.createServer((req, res) => {
    let raw = "";
    req.on("data", (d) => (raw += d));
    req.on("end", () => {
      bodies.push(JSON.parse(raw));
      const body = JSON.stringify({ success: true, contact: { id: `c${bodies.length}` } });
      res.writeHead(201, { "content-type": "application/json" }).end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as net.AddressInfo;
  return { url: `http://127.0.0.1:${port}`, bodies, close: () => new Promise((r) => server.close(() => r())) };
}

const definition = (crmUrl: string) => ({
  sourceFields: [{ path: "client_name" }, { path: "client_phone" }, { path: "comment" }],
  steps: composePostParseSteps({
    composeName: "Контакт",
    template: '{ "name": "{{source.client_name}}", "phone": "{{source.client_phone}}", "note": "{{source.comment}}" }',
    postName: "Создать контакт",
    url: `${crmUrl}/contacts`,
    output: { name: "id", path: "contact.id", key: "id" },
  }),
});

const event = (i: number) => ({
  client_name: `Иванова "Мария" ${i}`,
  client_phone: "8 (911) 123-45-67",
  comment: "Перезвонить\nпосле 18:00 💅",
  appointment_total_cost: "2 300,50",
});

let crm: Crm;
/** Made by the first test, used again by the second on the same data directory. */
let hookUrl = "";
let auth: Record<string, string> = {};

test.beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "hookflow-start-"));
  crm = await startCrm();
});
test.afterAll(async () => {
  await crm.close();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

async function runStatus(api: APIRequestContext, base: string, runId: string) {
  const r = await api.get(`${base}/api/v1/runs/${runId}`, { headers: auth });
  return r.ok() ? ((await r.json()).run.status as string) : `HTTP ${r.status()}`;
}

test("HOOKFLOW_EMBEDDED=1: npm start brings its own PostgreSQL and Redis, runs a webhook end to end, restarts a killed worker and web", async () => {
  test.setTimeout(420_000);
  const crmPort = new URL(crm.url).port;
  let h: Hookflow | undefined;
  const api = await pwRequest.newContext();
  try {
    h = await startHookflow({ HOOKFLOW_EMBEDDED: "1", OUTBOUND_ALLOWLIST: `127.0.0.1:${crmPort}` });
    await waitUp(h);
    const out = h.output();
    expect(out).toContain("HOOKFLOW_EMBEDDED=1: starting an embedded PostgreSQL");
    expect(out).toMatch(new RegExp(`started embedded PostgreSQL 1\\d\\.\\d+ on 127\\.0\\.0\\.1:\\d+ \\(pid \\d+\\), data in ${dataDir}/postgres`));
    expect(out).toMatch(new RegExp(`started embedded Redis [\\d.]+ on 127\\.0\\.0\\.1:\\d+ \\(pid \\d+\\), data in ${dataDir}/redis`));
    expect(out).toMatch(/\[start\] database ready \(applied /);

    // A user, a pipeline, a webhook → SUCCEEDED, through the API only.
    const user = await apiUser(api, h.base, "start");
    auth = user.auth;
    const created = await api.post(`${h.base}/api/v1/pipelines`, { headers: auth, data: { name: "Клиентикс → CRM", definition: definition(crm.url) } });
    expect(created.status()).toBe(201);
    const pipeline = (await created.json()).pipeline;
    const started = await api.post(`${h.base}/api/v1/pipelines/${pipeline.id}/start`, { headers: auth });
    expect(started.status(), await started.text()).toBe(200);
    hookUrl = new URL(new URL(pipeline.webhookUrl).pathname, h.base).toString();
    const first = await api.post(hookUrl, { data: event(0) });
    expect(first.status()).toBe(200);
    const firstRun = (await first.json()).runId as string;
    await waitFor(
      async () => (await runStatus(api, h!.base, firstRun)) === "SUCCEEDED",
      60_000,
      () => `run ${firstRun} to succeed:\n${h!.output()}`,
    );
    expect(crm.bodies[0]).toEqual({ name: 'Иванова "Мария" 0', phone: "8 (911) 123-45-67", note: "Перезвонить\nпосле 18:00 💅" });

    // kill -9 of the worker: a new one within 5 s, webhooks keep answering 200 meanwhile.
    const [worker] = h.pids("worker");
    const web = h.pids("web")[0];
    // The supervisor starts the worker with its V8 flags (scripts/lib.mjs NODE_FLAGS), the web with none.
    const argv = (pid: number) => fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    expect(argv(worker)).toContain("--max-semi-space-size=32");
    expect(argv(web).some((a) => a.startsWith("--max-semi-space-size"))).toBe(false);
    const killedAt = Date.now();
    let newWorkerPid = 0;
    process.kill(worker, "SIGKILL");
    const statuses: number[] = [];
    const runIds: string[] = [];
    let n = 1;
    const send = async () => {
      const r = await api.post(hookUrl, { data: event(n++) }).catch(() => null);
      statuses.push(r ? r.status() : 0); // 0: no answer at all
      if (r?.ok()) runIds.push((await r.json()).runId);
    };
    // Webhooks keep coming (one after another) from the kill until the new worker is ready.
    let sending = true;
    const sender = (async () => {
      while (sending) await send();
    })();
    try {
      const newWorker = await waitFor(
        () => h!.pids("worker").find((p) => p !== worker),
        5_000,
        () => `a new worker after kill -9 of ${worker}:\n${h!.output()}`,
      );
      const restartedIn = Date.now() - killedAt;
      expect(restartedIn).toBeLessThan(5_000);
      expect(h.output()).toMatch(/worker was killed \(SIGKILL\) after \d+ s — starting it again in 1 s/);
      expect(alive(web)).toBe(true);
      await waitFor(
        () => new RegExp(`\\[worker\\] ready .*pid ${newWorker}\\)`).test(h!.output()),
        120_000,
        () => `worker ${newWorker} to be ready:\n${h!.output()}`,
      );
      console.log(
        `[start.spec] kill -9 worker ${worker} → worker ${newWorker} started after ${restartedIn} ms, ready after ${Date.now() - killedAt} ms; ${statuses.length} webhooks meanwhile`,
      );
      newWorkerPid = newWorker;
    } finally {
      sending = false;
      await sender;
    }
    expect(statuses.length).toBeGreaterThan(1);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    for (const id of runIds) {
      await waitFor(
        async () => (await runStatus(api, h!.base, id)) === "SUCCEEDED",
        60_000,
        () => `run ${id} after the worker restart`,
      );
    }

    // kill -9 of the web: the worker keeps running, a new web answers again.
    process.kill(web, "SIGKILL");
    const newWeb = await waitFor(
      () => h!.pids("web").find((p) => p !== web),
      5_000,
      () => `a new web after kill -9 of ${web}:\n${h!.output()}`,
    );
    expect(alive(newWorkerPid)).toBe(true);
    await waitFor(
      async () =>
        (await api.post(hookUrl, { data: event(n++) }).then(
          (r) => r.status(),
          () => 0,
        )) === 200,
      120_000,
      () => `web ${newWeb} to answer`,
    );
    expect(h.pids("worker")).toEqual([worker, newWorkerPid]);

    await stopAndCheck(h, "SIGTERM");
  } finally {
    forceKill(h);
    await api.dispose();
  }
});

test("nothing configured and nothing answers at the default addresses: embedded services start automatically, on the same data", async () => {
  test.setTimeout(300_000);
  expect(hookUrl, "the first test made a pipeline").not.toBe("");
  let h: Hookflow | undefined;
  const api = await pwRequest.newContext();
  try {
    const [closedPg, closedRedis] = [await freePort(), await freePort()];
    h = await startHookflow({
      HOOKFLOW_TEST_DEFAULT_PG: `127.0.0.1:${closedPg}`,
      HOOKFLOW_TEST_DEFAULT_REDIS: `127.0.0.1:${closedRedis}`,
      OUTBOUND_ALLOWLIST: `127.0.0.1:${new URL(crm.url).port}`,
    });
    await waitUp(h);
    const out = h.output();
    expect(out).toContain(`DATABASE_URL is not set and nothing answers at 127.0.0.1:${closedPg}: starting an embedded PostgreSQL`);
    expect(out).toContain(`REDIS_URL is not set and nothing answers at 127.0.0.1:${closedRedis}: starting an embedded Redis`);
    expect(out).not.toContain("initialising the embedded PostgreSQL"); // the data directory is kept
    // The user, token and pipeline made by the first start are still there.
    const url = new URL(new URL(hookUrl).pathname, h.base).toString();
    const r = await api.post(url, { data: event(100) });
    expect(r.status()).toBe(200);
    const runId = (await r.json()).runId as string;
    await waitFor(
      async () => (await runStatus(api, h!.base, runId)) === "SUCCEEDED",
      60_000,
      () => `run ${runId}:\n${h!.output()}`,
    );
    await stopAndCheck(h, "SIGINT");
  } finally {
    forceKill(h);
    await api.dispose();
  }
});

test("a configured DATABASE_URL is never replaced by an embedded one: unreachable, it stops with how to fix it", async () => {
  test.setTimeout(120_000);
  const closed = await freePort();
  const h = await startHookflow({ HOOKFLOW_EMBEDDED: "1", DATABASE_URL: `postgresql://postgres@127.0.0.1:${closed}/hookflow` });
  try {
    expect(await h.exited).not.toBe(0);
    const out = h.output();
    expect(out).toContain("DATABASE_URL is set, so PostgreSQL is not embedded");
    expect(out).toContain(`PostgreSQL is not reachable at 127.0.0.1:${closed} (DATABASE_URL)`);
    expect(out).not.toContain("embedded PostgreSQL 1");
    // The Redis it had started for this run is stopped again.
    const redis = h.servicePid("Redis");
    expect(redis).toBeDefined();
    expect(alive(redis!)).toBe(false);
  } finally {
    forceKill(h);
  }
});
