// Editor canvas benchmark with a 50-step pipeline (issue 6). See bench/README.md.
//
//   npx next build            # or NEXT_DIST_DIR=.next-bench npx next build, then run with the same NEXT_DIST_DIR
//   npx tsx bench/editor-50.ts
//
// Resets its own database, starts the built app like playwright.config.ts's webServer
// (node scripts/start.mjs --no-prepare), registers a user via the API, creates a pipeline with 50
// valid steps (the seed's 8-step chain repeated with unique ids) and drives Chromium over it:
// navigation → all 51 nodes rendered, node click → panel, typing in the step name → node label,
// insert via «+» → 52 nodes, delete → 51, frames and long tasks during a 2 s pan and a 2 s zoom,
// JS heap. An 8-step pipeline is measured the same way for comparison (load and heap).
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { chromium, type Page } from "playwright-core";
import { buildKlientiksWeeekDefinition } from "../test/support/fixtures/seed-definition";
import type { PipelineDefinition } from "../lib/definition/schema";

const PORT = Number(process.env.BENCH_EDITOR_PORT ?? 3120);
const BASE = `http://localhost:${PORT}`;
const DB_URL = process.env.BENCH_EDITOR_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/hookflow_bench_editor";
const REDIS_URL = process.env.BENCH_EDITOR_REDIS_URL ?? "redis://127.0.0.1:6379/6";
const STEPS = Number(process.env.BENCH_EDITOR_STEPS ?? 50);
const CRED = "Bench токен";

// ── definition ─────────────────────────────────────────────────────────────────────────────

function chainDefinition(count: number): PipelineDefinition {
  const seed = buildKlientiksWeeekDefinition({ baseUrl: "http://127.0.0.1:4010", statusId: "st_bench", credentialName: CRED });
  const steps: PipelineDefinition["steps"] = [];
  for (let i = 0; i < count; i++) {
    const rep = Math.floor(i / seed.steps.length);
    const base = seed.steps[i % seed.steps.length];
    // Token references point at steps of the same repetition: {{steps.parse_deal.deal_id}} → parse_deal_3.
    const config = JSON.parse(JSON.stringify(base.config).replace(/steps\.([a-z_]+)\./g, `steps.$1_${rep}.`));
    steps.push({ ...base, id: `${base.id}_${rep}`, name: `${base.name} #${rep + 1}`, position: { x: 0, y: (i + 1) * 150 }, config });
  }
  return { ...seed, steps };
}

// ── server ─────────────────────────────────────────────────────────────────────────────────

const env = {
  ...process.env,
  PORT: String(PORT),
  APP_URL: BASE,
  NEXTAUTH_URL: BASE,
  DATABASE_URL: DB_URL,
  REDIS_URL,
  NEXT_TELEMETRY_DISABLED: "1",
};

console.log(`[bench] resetting ${DB_URL}, flushing ${REDIS_URL}`);
execFileSync("npx", ["tsx", "scripts/db.ts", "reset"], { env, stdio: "inherit" });
{
  const { default: IORedis } = await import("ioredis");
  const r = new IORedis(REDIS_URL, { maxRetriesPerRequest: 1 });
  await r.flushdb();
  r.disconnect();
}

console.log(`[bench] starting node scripts/start.mjs --no-prepare on ${BASE} (dist: ${process.env.NEXT_DIST_DIR || ".next"})`);
const server: ChildProcess = spawn(process.execPath, ["scripts/start.mjs", "--no-prepare"], { env, stdio: ["ignore", "pipe", "pipe"] });
let serverLog = "";
server.stdout!.on("data", (d) => (serverLog += d));
server.stderr!.on("data", (d) => (serverLog += d));
const stopServer = async () => {
  if (server.exitCode !== null) return;
  const exited = new Promise((r) => server.once("exit", r));
  server.kill("SIGTERM");
  await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))]);
  if (server.exitCode === null) server.kill("SIGKILL");
};
process.on("SIGINT", () => void stopServer().then(() => process.exit(130)));

async function waitHealthy() {
  const until = Date.now() + 120_000;
  while (Date.now() < until) {
    if (server.exitCode !== null) throw new Error(`server exited (${server.exitCode}):\n${serverLog.slice(-3000)}`);
    try {
      if ((await fetch(`${BASE}/healthz`)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`server not healthy in 120 s:\n${serverLog.slice(-3000)}`);
}

// ── helpers ────────────────────────────────────────────────────────────────────────────────

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)];
const ms = (x: number) => `${x.toFixed(0)} ms`;

/** Installs in-page probes: long tasks, a click/pointer timestamp and frame counting. */
const PROBES = () => {
  const w = window as unknown as Record<string, unknown>;
  if (w.__bench) return;
  const b = { longtasks: [] as { start: number; duration: number }[], lastInput: 0 };
  w.__bench = b;
  new PerformanceObserver((l) => l.getEntries().forEach((e) => b.longtasks.push({ start: e.startTime, duration: e.duration }))).observe({
    type: "longtask",
    buffered: true,
  });
  document.addEventListener("pointerdown", (e) => (b.lastInput = e.timeStamp), true);
};

/** performance.now() of the first animation frame at which `pred` holds (polled every frame). */
async function frameWhen(page: Page, pred: string, arg?: unknown): Promise<number> {
  // A string expression: evaluated over CDP, so the page's CSP (no eval) does not apply.
  const h = await page.waitForFunction(`(${pred})(${JSON.stringify(arg ?? null)}) ? performance.now() : false`, undefined, {
    polling: "raf",
    timeout: 60_000,
  });
  return (await h.jsonValue()) as number;
}

const COUNT_NODES = `() => {
  const ns = [...document.querySelectorAll('.react-flow__node-step, .react-flow__node-source')];
  return ns.filter((n) => n.style.visibility !== 'hidden' && n.querySelector('[data-testid=step-node],[data-testid=source-node]')).length;
}`;
const nodesAre = (n: number) => `() => (${COUNT_NODES})() === ${n}`;

async function heapMB(page: Page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("HeapProfiler.collectGarbage");
  const { usedSize } = await cdp.send("Runtime.getHeapUsage");
  await cdp.detach();
  return usedSize / 1024 / 1024;
}

/** Step nodes fully inside the canvas' visible rectangle (clickable without panning). */
async function visibleStepIds(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const c = document.querySelector("[data-testid=canvas]")!.getBoundingClientRect();
    return [...document.querySelectorAll<HTMLElement>("[data-testid=step-node]")]
      .filter((n) => {
        const r = n.getBoundingClientRect();
        return r.top >= c.top + 10 && r.bottom <= c.bottom - 10 && r.left >= c.left + 10 && r.right <= c.right - 10;
      })
      .map((n) => n.dataset.stepId!);
  });
}

async function clickCenter(page: Page, selector: string) {
  const box = await page.locator(selector).first().boundingBox();
  if (!box) throw new Error(`no box for ${selector}`);
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
}

/** Frames and long tasks while `drive` runs. */
async function measureFrames(page: Page, drive: () => Promise<void>) {
  await page.evaluate(() => {
    const w = window as unknown as { __frames: number[]; __stop: boolean; __gen: number; __bench: { longtasks: unknown[] } };
    const frames: number[] = [];
    w.__frames = frames;
    w.__stop = false;
    w.__gen = (w.__gen ?? 0) + 1;
    const gen = w.__gen;
    w.__bench.longtasks.length = 0;
    // One loop per measurement: a previous loop whose last frame is still pending must not count.
    const tick = (t: number) => {
      if (gen !== w.__gen) return;
      frames.push(t);
      if (!w.__stop) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  await drive();
  return page.evaluate(() => {
    const w = window as unknown as { __frames: number[]; __stop: boolean; __bench: { longtasks: { duration: number }[] } };
    w.__stop = true;
    const f = w.__frames;
    const gaps = f.slice(1).map((t, i) => t - f[i]);
    const secs = (f[f.length - 1] - f[0]) / 1000;
    return {
      fps: (f.length - 1) / secs,
      worstFrame: Math.max(...gaps),
      framesOver50: gaps.filter((g) => g > 50).length,
      longTasks: w.__bench.longtasks.length,
      longTaskMs: w.__bench.longtasks.reduce((s, l) => s + l.duration, 0),
    };
  });
}

async function paced(durationMs: number, step: (elapsed: number) => Promise<void>) {
  const t0 = Date.now();
  for (;;) {
    const el = Date.now() - t0;
    if (el >= durationMs) break;
    await step(el);
    const next = t0 + (Math.floor(el / 16) + 1) * 16;
    await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now())));
  }
}

// ── run ────────────────────────────────────────────────────────────────────────────────────

const rows: [string, string][] = [];
const out = (k: string, v: string) => {
  rows.push([k, v]);
  console.log(`[bench] ${k}: ${v}`);
};

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
});
try {
  await waitHealthy();
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: "ru-RU" });
  // tsx (esbuild keepNames) wraps named inner functions in __name(); page.evaluate bodies need it too.
  await context.addInitScript("globalThis.__name = globalThis.__name || ((f) => f);");
  await context.addInitScript(PROBES);
  const api = context.request; // shares the browser context's cookies: signing in here signs the page in

  // Register and sign in as test/support/e2e-helpers.ts apiUser does, then mint an API token.
  const email = `bench-editor-${Date.now()}@example.test`;
  const password = "correct-horse-9";
  const reg = await api.post(`${BASE}/api/v1/register`, { data: { email, password } });
  if (reg.status() !== 201) throw new Error(`register: ${reg.status()} ${await reg.text()}`);
  const csrf = await (await api.get(`${BASE}/api/auth/csrf`)).json();
  const login = await api.post(`${BASE}/api/auth/callback/credentials`, { form: { csrfToken: csrf.csrfToken, email, password, json: "true" } });
  if (!login.ok()) throw new Error(`login: ${login.status()}`);
  const tok = await api.post(`${BASE}/api/v1/tokens`, { data: { name: "bench" } });
  if (tok.status() !== 201) throw new Error(`token: ${tok.status()} ${await tok.text()}`);
  const headers = { authorization: `Bearer ${(await tok.json()).token.token}` };
  const cred = await api.post(`${BASE}/api/v1/credentials`, { headers, data: { name: CRED, secret: "bench-secret-123" } });
  if (cred.status() !== 201) throw new Error(`credential: ${cred.status()} ${await cred.text()}`);

  const createPipeline = async (name: string, count: number) => {
    const res = await api.post(`${BASE}/api/v1/pipelines`, { headers, data: { name, definition: chainDefinition(count) } });
    if (res.status() !== 201) throw new Error(`pipeline: ${res.status()} ${await res.text()}`);
    return (await res.json()).pipeline.id as string;
  };
  const id50 = await createPipeline(`Bench ${STEPS} steps`, STEPS);
  const id8 = await createPipeline("Bench 8 steps", 8);
  const N = STEPS + 1; // steps + source

  const page = await context.newPage();
  // Warm the server (first render of the route compiles nothing, but fills caches) on another page.
  await page.goto(`${BASE}/pipelines/${id8}`);
  await frameWhen(page, nodesAre(9));

  // 1. navigation → all nodes rendered (performance.now() is measured from the navigation start).
  const loads: number[] = [];
  for (let i = 0; i < 5; i++) {
    await page.goto(`${BASE}/pipelines/${id50}`, { waitUntil: "commit" });
    loads.push(await frameWhen(page, nodesAre(N)));
  }
  const invalid = await page.locator("[data-testid=step-node][data-invalid=true]").count();
  const heap50 = await heapMB(page);
  const loads8: number[] = [];
  for (let i = 0; i < 3; i++) {
    await page.goto(`${BASE}/pipelines/${id8}`, { waitUntil: "commit" });
    loads8.push(await frameWhen(page, nodesAre(9)));
  }
  const heap8 = await heapMB(page);

  await page.goto(`${BASE}/pipelines/${id50}`, { waitUntil: "commit" });
  await frameWhen(page, nodesAre(N));
  await page.waitForTimeout(500);
  const longDuringLoad = await page.evaluate(() =>
    (window as unknown as { __bench: { longtasks: { duration: number }[] } }).__bench.longtasks.map((l) => l.duration),
  );

  // 2. click a node → its panel visible, 10 different nodes, panel closed in between.
  const visible = await visibleStepIds(page);
  if (visible.length < 2) throw new Error(`only ${visible.length} step nodes visible`);
  const opens: number[] = [];
  for (let i = 0; i < 10; i++) {
    const sid = visible[i % visible.length];
    await clickCenter(page, `[data-testid=step-node][data-step-id="${sid}"]`);
    const shown = await frameWhen(
      page,
      `(sid) => { const p = document.querySelector('[data-testid=step-panel] input[id="name-' + sid + '"]'); return p && p.offsetParent !== null; }`,
      sid,
    );
    const input = await page.evaluate(() => (window as unknown as { __bench: { lastInput: number } }).__bench.lastInput);
    opens.push(shown - input);
    await page.locator("[data-testid=step-panel]").getByRole("button", { name: "Закрыть" }).click();
    await frameWhen(page, `() => !document.querySelector('[data-testid=step-panel]')`);
  }

  // 3. typing: 20 keystrokes into the step name, each until the node's label shows it.
  const typed = "abcdefghijklmnopqrst";
  const target = visible[0];
  await clickCenter(page, `[data-testid=step-node][data-step-id="${target}"]`);
  const nameInput = page.locator(`[data-testid=step-panel] input[id="name-${target}"]`);
  await nameInput.click();
  await page.keyboard.press("End");
  const before = await nameInput.inputValue();
  await page.evaluate(
    ([sid, len]) => {
      const w = window as unknown as { __keys: number[]; __shown: Map<number, number> };
      w.__keys = [];
      w.__shown = new Map();
      document.addEventListener("keydown", (e) => w.__keys.push(e.timeStamp), true);
      const label = () => document.querySelector(`[data-testid=step-node][data-step-id="${sid}"] .text-sm.font-medium`)?.textContent ?? "";
      const tick = (t: number) => {
        // Keys handled within one frame show up together: each gets that frame's time.
        const n = label().length - len;
        for (let k = 1; k <= n; k++) if (!w.__shown.has(k)) w.__shown.set(k, t);
        if (w.__shown.size < 20) requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    },
    [target, before.length] as const,
  );
  await page.keyboard.type(typed);
  const allShown = await frameWhen(
    page,
    `(want) => document.querySelector('[data-testid=step-node][data-step-id="${target}"] .text-sm.font-medium')?.textContent === want`,
    before + typed,
  );
  const typing = await page.evaluate((done) => {
    const w = window as unknown as { __keys: number[]; __shown: Map<number, number> };
    // A key shown in the frame whose rAF poll found the whole text may not reach our own loop.
    for (let k = 1; k <= w.__keys.length; k++) if (!w.__shown.has(k)) w.__shown.set(k, done);
    const per = w.__keys.map((k, i) => (w.__shown.get(i + 1) ?? NaN) - k);
    return { total: Math.max(...w.__shown.values()) - w.__keys[0], per };
  }, allShown);
  await page.locator("[data-testid=step-panel]").getByRole("button", { name: "Закрыть" }).click();

  // 4. insert a step via «+» on an edge → 52 nodes; 5. delete it → 51.
  const plusIdx = await page.evaluate(() => {
    const c = document.querySelector("[data-testid=canvas]")!.getBoundingClientRect();
    return [...document.querySelectorAll<HTMLElement>("[data-testid=insert-step]")].findIndex((b) => {
      const r = b.getBoundingClientRect();
      return r.top > c.top + 20 && r.bottom < c.bottom - 20;
    });
  });
  if (plusIdx < 0) throw new Error("no «+» in view");
  await page.locator("[data-testid=insert-step]").nth(plusIdx).click();
  const paletteShown = await frameWhen(page, `() => !!document.querySelector('[data-testid=palette]')`);
  const plusClicked = await page.evaluate(() => (window as unknown as { __bench: { lastInput: number } }).__bench.lastInput);
  await clickCenter(page, `[data-testid=palette] [data-action-type="json-composer"]`);
  const inserted = await frameWhen(page, nodesAre(N + 1));
  const insertClicked = await page.evaluate(() => (window as unknown as { __bench: { lastInput: number } }).__bench.lastInput);
  await frameWhen(page, `() => !!document.querySelector('[data-testid=step-panel]')`);
  await page.waitForTimeout(300);
  await page.locator("[data-testid=step-panel]").getByRole("button", { name: "Удалить шаг" }).click();
  const deleted = await frameWhen(page, nodesAre(N));
  const deleteClicked = await page.evaluate(() => (window as unknown as { __bench: { lastInput: number } }).__bench.lastInput);
  await page.waitForTimeout(300);

  // 6. pan (mouse drag on the empty pane) and zoom (wheel), 2 s each: frames and long tasks.
  const canvas = (await page.locator("[data-testid=canvas]").boundingBox())!;
  const x0 = canvas.x + canvas.width - 120;
  const y0 = canvas.y + canvas.height / 2;
  const idle = await measureFrames(page, () => new Promise((r) => setTimeout(r, 1000)));
  const pan = await measureFrames(page, async () => {
    await page.mouse.move(x0, y0);
    await page.mouse.down();
    await paced(2000, async (el) => {
      const phase = (el / 2000) * Math.PI * 2;
      await page.mouse.move(x0 - 300 * Math.sin(phase / 2), y0 - 300 * Math.sin(phase));
    });
    await page.mouse.up();
  });
  const zoom = await measureFrames(page, async () => {
    await page.mouse.move(canvas.x + canvas.width / 2, y0);
    await paced(2000, async (el) => page.mouse.wheel(0, el < 1000 ? -60 : 60));
  });
  const heapAfter = await heapMB(page);

  await context.close();

  // ── report ──
  out("steps valid (no node-error)", `${STEPS - invalid} of ${STEPS}`);
  out(`navigation → ${N} nodes rendered`, `median ${ms(median(loads))} (5 loads: ${loads.map((x) => x.toFixed(0)).join(" / ")})`);
  out("navigation → 9 nodes (8-step pipeline)", `median ${ms(median(loads8))} (${loads8.map((x) => x.toFixed(0)).join(" / ")})`);
  out("long tasks during a 50-step load", longDuringLoad.length ? `${longDuringLoad.length} (${longDuringLoad.map((x) => x.toFixed(0)).join(", ")} ms)` : "0");
  out("click node → panel visible", `median ${ms(median(opens))}, max ${ms(Math.max(...opens))} (10 nodes)`);
  out(
    "20 keystrokes in step name → node label",
    `${ms(typing.total)} total; per key p50 ${ms(median(typing.per))}, p95 ${ms(pct(typing.per, 95))}, max ${ms(Math.max(...typing.per))}`,
  );
  out("click «+» → palette visible", ms(paletteShown - plusClicked));
  out(`insert step (palette click) → ${N + 1} nodes`, ms(inserted - insertClicked));
  out(`delete step (panel button) → ${N} nodes`, ms(deleted - deleteClicked));
  const fr = (f: typeof pan) =>
    `${f.fps.toFixed(1)} fps, worst frame ${ms(f.worstFrame)}, ${f.framesOver50} frames > 50 ms, ${f.longTasks} long tasks (${ms(f.longTaskMs)})`;
  out("idle 1 s (frame rate ceiling)", fr(idle));
  out("2 s pan (mouse drag)", fr(pan));
  out("2 s zoom (wheel)", fr(zoom));
  out("JS heap after GC", `${STEPS} steps ${heap50.toFixed(1)} MB; 8 steps ${heap8.toFixed(1)} MB; 50 steps after the run ${heapAfter.toFixed(1)} MB`);

  const w = Math.max(...rows.map(([k]) => k.length));
  console.log(`\n| ${"measure".padEnd(w)} | result |\n|${"-".repeat(w + 2)}|--------|`);
  for (const [k, v] of rows) console.log(`| ${k.padEnd(w)} | ${v} |`);
} finally {
  await browser.close();
  await stopServer();
}
