import http from "node:http";
import { randomUUID } from "node:crypto";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import iconv from "iconv-lite";
import pg from "pg";
import { Queue } from "bullmq";
import { closeDb, prisma } from "../db";
import { redisConnection } from "../queue/connection";
import { closeQueues, queue, RUNS_QUEUE } from "../queue/run-queue";
import { newWebhookToken, rotateWebhookToken } from "../pipelines/rotate-webhook-token";
import { createHookHandler, handleHook, tokenFromUrl } from "./handle-hook";
import { createIngester, type Ingester } from "./ingest";
import { createHookRateLimiter } from "./rate-limit";
import { createPipeline, createUser, privateRunQueue, startServer } from "../../test/support/webhook-fixtures";

const KLIENTIKS_QUERY =
  "client_id=1842&client_phone=%2B7%20(999)%20123-45-67&client_name=%D0%98%D0%B2%D0%B0%D0%BD%20%D0%9F%D0%B5%D1%82%D1%80%D0%BE%D0%B2" +
  "&client_first_name=%D0%98%D0%B2%D0%B0%D0%BD&client_patron_name=&client_second_name=%D0%9F%D0%B5%D1%82%D1%80%D0%BE%D0%B2&client_deleted=0&client_email=ivan%40example.ru";

const MiB = 1024 * 1024;

let user: { id: string };
let running: { id: string; webhookToken: string; version: number };
let stopped: { id: string; webhookToken: string };
let runQueue: ReturnType<typeof privateRunQueue>;
let ingester: Ingester;
let server: Awaited<ReturnType<typeof startServer>>;

beforeAll(async () => {
  user = await createUser();
  running = await createPipeline(user.id, "RUNNING", 3);
  stopped = await createPipeline(user.id, "STOPPED");
  runQueue = privateRunQueue();
  ingester = createIngester({ enqueue: runQueue.enqueue });
  server = await startServer(createHookHandler({ ingester: () => ingester, maxBytes: () => MiB }));
});

afterAll(async () => {
  await server?.close();
  await runQueue?.close();
  if (user) await prisma.user.delete({ where: { id: user.id } });
  await closeQueues();
  await closeDb();
});

async function hook(path: string, init: RequestInit = {}) {
  const res = await fetch(server.url + path, init);
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: text ? JSON.parse(text) : null };
}

const run = (id: string) => prisma.run.findUniqueOrThrow({ where: { id } });

describe("accepted requests", () => {
  it("stores the Klientiks GET as a QUEUED run before answering 200, then enqueues it by id", async () => {
    const r = await hook(`/hooks/${running.webhookToken}?${KLIENTIKS_QUERY}`);
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ ok: true, runId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(r.headers.get("content-type")).toBe("application/json; charset=utf-8");

    const row = await run(r.json.runId);
    expect(row).toMatchObject({
      pipelineId: running.id,
      userId: user.id,
      version: 3,
      status: "QUEUED",
      method: "GET",
      body: null,
      rawBody: null,
      contentType: null,
      sizeBytes: 0,
      rejectReason: null,
    });
    expect(row.query).toEqual({
      client_id: "1842",
      client_phone: "+7 (999) 123-45-67",
      client_name: "Иван Петров",
      client_first_name: "Иван",
      client_patron_name: "",
      client_second_name: "Петров",
      client_deleted: "0",
      client_email: "ivan@example.ru",
    });
    expect(row.payload).toEqual(row.query);
    expect(row.searchTerms).toEqual(["1842", "+7 (999) 123-45-67", "79991234567", "иван петров", "иван", "петров", "0", "ivan@example.ru"]);

    const job = await runQueue.queue.getJob(r.json.runId);
    expect(job?.data).toEqual({ runId: r.json.runId });
    expect(job?.opts.attempts).toBe(3);
  });

  it("uses the real runs queue by default (jobId = runId)", async () => {
    const srv = await startServer(handleHook);
    try {
      const res = await fetch(`${srv.url}/hooks/${running.webhookToken}?default=1`, { method: "POST" });
      expect(res.status).toBe(200);
      const { runId } = await res.json();
      expect((await run(runId)).status).toBe("QUEUED");
      const job = await queue(RUNS_QUEUE).getJob(runId);
      expect(job?.id).toBe(runId);
      await job?.remove();
    } finally {
      await srv.close();
    }
  });

  it("accepts every method, keeps headers, masks credentials and merges the body over the query", async () => {
    for (const method of ["POST", "PUT", "PATCH", "DELETE"]) {
      const r = await hook(`/hooks/${running.webhookToken}/?src=crm&id=q`, {
        method,
        headers: {
          "Content-Type": "application/json",
          Authorization: "Bearer top-secret",
          Cookie: "sid=1",
          "X-Api-Key": "k",
          "User-Agent": "amoCRM-Webhooks/3.0",
        },
        body: JSON.stringify({ id: 7, lead: { name: "Заявка" } }),
      });
      expect(r.status).toBe(200);
      const row = await run(r.json.runId);
      expect(row.method).toBe(method);
      expect(row.payload).toEqual({ src: "crm", id: 7, lead: { name: "Заявка" } });
      expect(row.rawBody).toBe('{"id":7,"lead":{"name":"Заявка"}}');
      const headers = row.headers as Record<string, string>;
      expect(headers.authorization).toBe("***");
      expect(headers.cookie).toBe("***");
      expect(headers["x-api-key"]).toBe("***");
      expect(headers["user-agent"]).toBe("amoCRM-Webhooks/3.0");
      expect(JSON.stringify(row)).not.toContain("top-secret");
    }
  });

  it("stores a windows-1251 form with bracket keys as readable Cyrillic", async () => {
    const body = Buffer.concat([
      Buffer.from("fields[TITLE]="),
      iconv.encode("Новая заявка", "windows-1251"),
      Buffer.from("&contacts[add][0][name]=%C8%E2%E0%ED&services=a&services=b"),
    ]);
    const r = await hook(`/hooks/${running.webhookToken}`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded; charset=windows-1251" },
      body,
    });
    expect(r.status).toBe(200);
    const row = await run(r.json.runId);
    expect(row.body).toEqual({
      fields: { TITLE: "Новая заявка" },
      contacts: { add: [{ name: "Иван" }] },
      services: ["a", "b"],
    });
    expect(row.sizeBytes).toBe(body.length);
  });

  it("keeps a body of exactly the limit", async () => {
    const r = await hook(`/hooks/${running.webhookToken}`, { method: "POST", body: "x".repeat(MiB) });
    expect(r.status).toBe(200);
    const row = await run(r.json.runId);
    expect(row.sizeBytes).toBe(MiB);
    expect((row.rawBody ?? "").length).toBe(MiB);
  });

  it("stores NUL characters as U+FFFD instead of failing", async () => {
    const r = await hook(`/hooks/${running.webhookToken}?a=x%00y`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: '{"b":"1\\u00002","c":"\\\\u0000"}',
    });
    expect(r.status).toBe(200);
    const row = await run(r.json.runId);
    expect(row.payload).toEqual({ a: "x\ufffdy", b: "1\ufffd2", c: "\\u0000" });
  });
});

describe("stopped pipelines", () => {
  it("stores the request as NOT_PROCESSED and does not enqueue it", async () => {
    const r = await hook(`/hooks/${stopped.webhookToken}?client_id=5`);
    expect(r.status).toBe(200);
    expect(r.json.ok).toBe(true);
    const row = await run(r.json.runId);
    expect(row.status).toBe("NOT_PROCESSED");
    expect(row.payload).toEqual({ client_id: "5" });
    expect(await runQueue.queue.getJob(r.json.runId)).toBeUndefined();
  });
});

describe("refused requests", () => {
  it("answers an unknown token, a rotated token and a malformed path with the same neutral 404", async () => {
    const p = await createPipeline(user.id);
    const before = await hook(`/hooks/${p.webhookToken}`);
    expect(before.status).toBe(200);

    const rotated = await rotateWebhookToken({ userId: user.id, pipelineId: p.id });
    expect(rotated?.webhookToken).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const old = await hook(`/hooks/${p.webhookToken}?x=1`, { method: "POST", body: "{", headers: { "Content-Type": "application/json" } });
    expect(old.status).toBe(404);
    expect(old.text).toBe('{"ok":false,"error":"not_found"}');
    expect(await prisma.run.count({ where: { pipelineId: p.id } })).toBe(1);

    const fresh = await hook(`/hooks/${rotated!.webhookToken}`);
    expect(fresh.status).toBe(200);

    for (const path of ["/hooks/nope-nope-nope-nope", "/hooks/", "/hooks/a/b", "/hooks/%2e%2e"]) {
      const r = await hook(path);
      expect(r.status, path).toBe(404);
      expect(r.text).toBe('{"ok":false,"error":"not_found"}');
    }
  });

  it("answers 413 for a 1 MiB + 1 body and stores a REJECTED run with its size and headers, not its body", async () => {
    const r = await hook(`/hooks/${running.webhookToken}?client_id=9`, {
      method: "POST",
      headers: { "Content-Type": "text/plain", "X-Source": "klientiks" },
      body: "y".repeat(MiB + 1),
    });
    expect(r.status).toBe(413);
    expect(r.json).toMatchObject({ ok: false, error: "payload_too_large" });
    const row = await run(r.json.runId);
    expect(row).toMatchObject({
      status: "REJECTED",
      sizeBytes: MiB + 1,
      body: null,
      rawBody: null,
      contentType: "text/plain",
      rejectReason: `Тело запроса больше допустимого (${MiB + 1} байт при пределе ${MiB})`,
    });
    expect((row.headers as Record<string, string>)["x-source"]).toBe("klientiks");
    expect(row.query).toEqual({ client_id: "9" });
    expect(await runQueue.queue.getJob(row.id)).toBeUndefined();
  });

  it("stops reading a chunked body without Content-Length past the limit", async () => {
    const { port } = new URL(server.url);
    const result = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(
        { host: "127.0.0.1", port, path: `/hooks/${running.webhookToken}`, method: "POST", headers: { "Transfer-Encoding": "chunked" } },
        (res) => {
          let body = "";
          res.on("data", (c) => (body += c));
          res.on("end", () => resolve({ status: res.statusCode!, body }));
        },
      );
      req.on("error", reject);
      const chunk = Buffer.alloc(64 * 1024, 0x7a);
      let sent = 0;
      const pump = () => {
        while (sent < 2 * MiB) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once("drain", pump);
        }
        req.end();
      };
      pump();
    });
    expect(result.status).toBe(413);
    const row = await run(JSON.parse(result.body).runId);
    expect(row.status).toBe("REJECTED");
    expect(row.sizeBytes).toBeGreaterThan(MiB);
    expect(row.sizeBytes).toBeLessThanOrEqual(MiB + 64 * 1024);
  });

  it("answers 400 naming the position for malformed JSON and stores the raw text", async () => {
    const r = await hook(`/hooks/${running.webhookToken}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: '{"client_id": 1, "name": }',
    });
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({
      ok: false,
      error: "invalid_json",
      message: 'Malformed JSON at position 25 (line 1, column 26): unexpected character "}"',
    });
    const row = await run(r.json.runId);
    expect(row).toMatchObject({
      status: "REJECTED",
      rawBody: '{"client_id": 1, "name": }',
      body: null,
      rejectReason: 'Некорректный JSON: позиция 25 (строка 1, столбец 26), неожиданный символ "}"',
    });
  });

  it("answers 400 for JSON nested 10,000 levels deep and stores it as REJECTED (no stack overflow, no 503)", async () => {
    const deep = "[".repeat(10_000) + "]".repeat(10_000);
    const r = await hook(`/hooks/${running.webhookToken}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: deep,
    });
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ ok: false, error: "json_too_deep", message: "JSON nesting is deeper than 100 levels" });
    const row = await run(r.json.runId);
    expect(row).toMatchObject({ status: "REJECTED", body: null, sizeBytes: 20_000 });
    expect(row.rejectReason).toBe("JSON вложен глубже 100 уровней — такой запрос не принимается");
    expect(row.rawBody).toBe(deep);
  });

  it("accepts JSON exactly 100 levels deep", async () => {
    const body = '{"a":'.repeat(99) + "[1]" + "}".repeat(99);
    const r = await hook(`/hooks/${running.webhookToken}`, { method: "POST", headers: { "Content-Type": "application/json" }, body });
    expect(r.status).toBe(200);
  });

  it("answers 415 for an unsupported charset and stores it as REJECTED", async () => {
    const r = await hook(`/hooks/${running.webhookToken}`, {
      method: "POST",
      headers: { "Content-Type": "text/plain; charset=x-unknown" },
      body: "abc",
    });
    expect(r.status).toBe(415);
    expect(r.json.error).toBe("unsupported_charset");
    const row = await run(r.json.runId);
    expect(row.status).toBe("REJECTED");
    expect(row.rawBody).toBe("abc");
  });

  it("lists rejected requests among the pipeline's runs", async () => {
    const rejected = await prisma.run.count({ where: { pipelineId: running.id, status: "REJECTED" } });
    expect(rejected).toBeGreaterThanOrEqual(3);
  });
});

describe("senders that half-close", () => {
  it("answers 200 to a request whose sender shuts down its writing side right after sending", async () => {
    const { port, hostname } = new URL(server.url);
    const body = JSON.stringify({ client_name: "Анна «Салон»", phone: "+7 (912) 000-11-22" });
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(Number(port), hostname, () => {
        socket.end(
          `POST /hooks/${running.webhookToken} HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/json\r\n` +
            `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
        );
      });
      let text = "";
      socket.setEncoding("utf8");
      socket.on("data", (d) => (text += d));
      socket.on("close", () => resolve(text));
      socket.on("error", reject);
    });
    expect(reply).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    const json = JSON.parse(reply.slice(reply.indexOf("\r\n\r\n") + 4));
    expect(json).toEqual({ ok: true, runId: expect.any(String) });
    expect((await run(json.runId)).payload).toMatchObject({ client_name: "Анна «Салон»" });
  });
});

describe("per-обработка rate limit", () => {
  it("answers 429 with Retry-After over the limit and stores those requests as REJECTED", async () => {
    const limited = await createPipeline(user.id, "RUNNING");
    await prisma.pipeline.update({ where: { id: limited.id }, data: { webhookRateLimit: 3 } });
    const limiter = createHookRateLimiter({ refreshMs: 3_600_000 /* only the explicit refresh() calls below */ });
    const srv = await startServer(createHookHandler({ ingester: () => ingester, maxBytes: () => MiB, rateLimiter: limiter }));
    try {
      const send = () =>
        fetch(`${srv.url}/hooks/${limited.webhookToken}?client_phone=%2B7%20912%20000-11-22`, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ client_name: "Ольга «Ноготки»" }),
        });
      for (let i = 0; i < 3; i++) expect((await send()).status).toBe(200);
      const over = await send();
      expect(over.status).toBe(429);
      const retryAfter = Number(over.headers.get("retry-after"));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      const json = await over.json();
      expect(json).toMatchObject({ ok: false, error: "rate_limited", message: expect.stringMatching(/^Too many requests: this webhook accepts 3 per minute/) });
      const row = await run(json.runId);
      expect(row).toMatchObject({
        status: "REJECTED",
        rejectReason: "Превышен предел обработки: не больше 3 запросов в минуту (тело не сохранено)",
        query: { client_phone: "+7 912 000-11-22" },
      });
      // The limit is the обработка's: its second source URL counts in the same window.
      const second = newWebhookToken();
      await prisma.source.create({ data: { id: randomUUID(), pipelineId: limited.id, userId: user.id, token: second, name: "Сайт" } });
      await limiter.refresh(); // loads the new URL's limit
      // (Counted per URL, its first request would pass.)
      expect((await fetch(`${srv.url}/hooks/${second}`, { method: "POST" })).status).toBe(429);
      // Another pipeline without a limit is not affected.
      expect((await fetch(`${srv.url}/hooks/${running.webhookToken}`)).status).toBe(200);
      // Removing the limit takes effect at the next refresh.
      await prisma.pipeline.update({ where: { id: limited.id }, data: { webhookRateLimit: null } });
      await limiter.refresh();
      expect((await send()).status).toBe(200);
    } finally {
      await srv.close();
    }
  });
});

describe("HEAD, OPTIONS and other methods", () => {
  it("HEAD tells whether the URL exists without storing", async () => {
    const before = await prisma.run.count({ where: { pipelineId: running.id } });
    expect((await fetch(`${server.url}/hooks/${running.webhookToken}`, { method: "HEAD" })).status).toBe(200);
    expect((await fetch(`${server.url}/hooks/unknown-token-xyz`, { method: "HEAD" })).status).toBe(404);
    expect(await prisma.run.count({ where: { pipelineId: running.id } })).toBe(before);
  });

  it("OPTIONS answers a CORS preflight", async () => {
    const res = await fetch(`${server.url}/hooks/${running.webhookToken}`, {
      method: "OPTIONS",
      headers: { Origin: "https://site.example", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type" },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("access-control-allow-methods")).toContain("POST");
    expect(res.headers.get("access-control-allow-headers")).toBe("content-type");
  });

  it("answers 405 for methods outside GET/POST/PUT/PATCH/DELETE", async () => {
    const { port } = new URL(server.url);
    const status = await new Promise<number>((resolve, reject) => {
      http
        .request({ host: "127.0.0.1", port, path: `/hooks/${running.webhookToken}`, method: "PROPFIND" }, (res) => {
          res.resume();
          resolve(res.statusCode!);
        })
        .on("error", reject)
        .end();
    });
    expect(status).toBe(405);
  });
});

describe("durability under load and failures", () => {
  it("stores and enqueues 200 concurrent requests in a few batches", async () => {
    const p = await createPipeline(user.id);
    const own = privateRunQueue();
    const counted = createIngester({ enqueue: own.enqueue });
    const srv = await startServer(createHookHandler({ ingester: () => counted }));
    try {
      const replies = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          fetch(`${srv.url}/hooks/${p.webhookToken}?n=${i}&phone=%2B7999000${String(i).padStart(4, "0")}`).then(async (res) => ({
            status: res.status,
            body: await res.json(),
          })),
        ),
      );
      expect(replies.every((r) => r.status === 200)).toBe(true);
      const ids = replies.map((r) => r.body.runId as string);
      expect(new Set(ids).size).toBe(200);

      const rows = await prisma.run.findMany({ where: { pipelineId: p.id }, select: { id: true, status: true, payload: true } });
      expect(rows).toHaveLength(200);
      expect(new Set(rows.map((r) => r.id))).toEqual(new Set(ids));
      expect(rows.every((r) => r.status === "QUEUED")).toBe(true);
      expect(new Set(rows.map((r) => (r.payload as { n: string }).n)).size).toBe(200);

      const jobs = await Promise.all(ids.map((id) => own.queue.getJob(id)));
      expect(jobs.every((j, i) => j?.data.runId === ids[i])).toBe(true);

      const stats = counted.stats();
      expect(stats.rows).toBe(200);
      expect(stats.batches).toBeLessThan(200);
    } finally {
      await srv.close();
      await own.close();
    }
  });

  it("still answers 200 and keeps the QUEUED row when Redis is unreachable", async () => {
    const dead = new Queue("test-webhooks-dead", {
      connection: redisConnection("redis://127.0.0.1:1", { enableOfflineQueue: false, retryStrategy: () => 1_000 }),
    });
    dead.on("error", () => undefined);
    const enqueueToDeadRedis = async (ids: string[]) => {
      await dead.addBulk(ids.map((runId) => ({ name: "run", data: { runId }, opts: { jobId: runId } })));
    };
    const withoutRedis = createIngester({ enqueue: enqueueToDeadRedis });
    const srv = await startServer(createHookHandler({ ingester: () => withoutRedis }));
    const errors = console.error;
    console.error = () => undefined;
    try {
      const started = Date.now();
      const res = await fetch(`${srv.url}/hooks/${running.webhookToken}?redis=down`);
      expect(res.status).toBe(200);
      expect(Date.now() - started).toBeLessThan(1_000);
      const { runId } = await res.json();
      const row = await run(runId);
      expect(row.status).toBe("QUEUED");
      expect(row.payload).toEqual({ redis: "down" });
    } finally {
      console.error = errors;
      await srv.close();
      await dead.close().catch(() => undefined);
    }
  });

  it("answers 503, never 200, when Postgres is unreachable", async () => {
    const deadPool = new pg.Pool({ connectionString: "postgresql://postgres@127.0.0.1:1/nowhere", connectionTimeoutMillis: 1_000 });
    const noPostgres = createIngester({ pool: () => deadPool, enqueue: runQueue.enqueue });
    const srv = await startServer(createHookHandler({ ingester: () => noPostgres }));
    const errors = console.error;
    const lines: string[] = [];
    console.error = (...args: unknown[]) => void lines.push(args.map(String).join(" "));
    try {
      const res = await fetch(`${srv.url}/hooks/${running.webhookToken}?pg=down`);
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ ok: false, error: "unavailable" });
      expect(res.headers.get("retry-after")).toBe("5");
      // Many refused requests during the outage: a single log line, not one per request.
      const more = await Promise.all(Array.from({ length: 20 }, (_, i) => fetch(`${srv.url}/hooks/${running.webhookToken}?pg=down&n=${i}`)));
      expect(more.every((r) => r.status === 503)).toBe(true);
      const storeLines = lines.filter((l) => l.includes("could not store a request"));
      expect(storeLines.length).toBeLessThanOrEqual(1);
    } finally {
      console.error = errors;
      await srv.close();
      await deadPool.end();
    }
  });
});

describe("tokenFromUrl", () => {
  it("takes the token from /hooks/<token> with an optional slash and query", () => {
    expect(tokenFromUrl("/hooks/abcDEF_-123?x=1")).toBe("abcDEF_-123");
    expect(tokenFromUrl("/hooks/abc/")).toBe("abc");
    expect(tokenFromUrl("/hooks/abc/def")).toBeNull();
    expect(tokenFromUrl("/hooks/a%20b")).toBeNull();
    expect(tokenFromUrl("/other/abc")).toBeNull();
  });
});
