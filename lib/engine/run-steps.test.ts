import { describe, expect, it } from "vitest";
import { getEventListeners } from "node:events";
import { defaultSleep, runSteps, testStep, type StepStartEvent } from "./run-steps";
import type { StepRecord } from "../actions/step-record";
import { NEVER_ABORTED, type HttpClient, type HttpRequest } from "../actions/define-action";
import type { StepDefinition } from "../definition/schema";

const TOKEN = "weeek-secret-token-0001";
const steps: StepDefinition[] = [
  { id: "c1", type: "json-composer", name: "Контакт", config: { template: '{"name": "{{source.name}}", "auth": "{{credentials[\\"Weeek токен\\"]}}"}' } },
  {
    id: "h1",
    type: "http-request",
    name: "Создать контакт",
    config: {
      url: "https://api.example.com/contacts",
      headers: [{ key: "Authorization", value: 'Bearer {{credentials["Weeek токен"]}}' }],
      bodyType: "json",
      bodyJson: "{{steps.c1.result}}",
    },
  },
  { id: "p1", type: "json-parser", name: "ID", config: { input: "{{steps.h1.body}}", outputs: [{ name: "id", path: "$.contact.id" }] } },
];

function fakeHttp(status = 200, echo = true) {
  const calls: HttpRequest[] = [];
  const http: HttpClient = async (r) => {
    calls.push(r);
    return {
      status,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ contact: { id: "c-42" }, echo: echo ? r.headers.Authorization : undefined }),
      url: r.url,
    };
  };
  return { http, calls };
}

describe("runSteps", () => {
  it("a run without a signal of its own gets the shared never-aborted one; its sleeps add no listener to it", async () => {
    const signals: (AbortSignal | undefined)[] = [];
    const http: HttpClient = async (req) => {
      signals.push(req.signal);
      return { status: 200, headers: {}, body: "{}", url: req.url };
    };
    const steps: StepDefinition[] = [{ id: "h", type: "http-request", name: "Запрос", config: { method: "GET", url: "https://example.com/x" } }];
    const res = await runSteps({ runId: "r", steps, source: {}, credentials: {}, context: () => ({ http }) });
    expect(res.status).toBe("succeeded");
    // toBe, not toEqual: any two AbortSignals compare equal field by field.
    expect(signals).toHaveLength(1);
    expect(signals[0]).toBe(NEVER_ABORTED);
    const sleeping = Promise.all(Array.from({ length: 20 }, () => defaultSleep(5, NEVER_ABORTED)));
    expect(getEventListeners(NEVER_ABORTED, "abort")).toHaveLength(0);
    await sleeping;
    const own = new AbortController();
    const mine = defaultSleep(5, own.signal);
    expect(getEventListeners(own.signal, "abort")).toHaveLength(1);
    await mine;
    expect(getEventListeners(own.signal, "abort")).toHaveLength(0);
  });

  it("runs the chain, passes outputs forward, masks secrets in records, reports callbacks", async () => {
    const { http, calls } = fakeHttp();
    const starts: StepStartEvent[] = [];
    const ends: StepRecord[] = [];
    const resolver = async (name: string) => (name === "Weeek токен" ? TOKEN : undefined);
    const r = await runSteps({
      runId: "r1",
      steps,
      source: { name: "Иван" },
      credentials: resolver,
      context: () => ({ http }),
      onStepStart: (e) => void starts.push(e),
      onStepEnd: (rec) => void ends.push(rec),
    });
    expect(r.status).toBe("succeeded");
    expect(r.error).toBeNull();
    expect(r.outputs.p1).toEqual({ id: "c-42" });
    expect(calls[0].headers.Authorization).toBe(`Bearer ${TOKEN}`);
    expect(JSON.parse(calls[0].body!)).toEqual({ name: "Иван", auth: TOKEN });
    expect(starts.map((s) => [s.stepId, s.index])).toEqual([
      ["c1", 0],
      ["h1", 1],
      ["p1", 2],
    ]);
    expect(ends).toEqual(r.records);
    const recorded = JSON.stringify(r.records);
    expect(recorded).not.toContain(TOKEN);
    expect(r.records[0].output).toEqual({ result: { name: "Иван", auth: "***" } });
    expect(r.records[1].input).toMatchObject({
      headers: { Authorization: "Bearer ***", "Content-Type": "application/json; charset=utf-8" },
      body: '{"name":"Иван","auth":"***"}',
    });
    expect(r.records[1].output).toMatchObject({ status: 200, body: { contact: { id: "c-42" }, echo: "Bearer ***" } });
    for (const rec of r.records) {
      expect(rec.status).toBe("succeeded");
      expect(rec.attempts).toBe(1);
      expect(rec.startedAt).toBeInstanceOf(Date);
      expect(rec.durationMs).toBeGreaterThanOrEqual(0);
    }
  });

  it("waits for a step-end callback that returns a promise before the next step starts", async () => {
    const { http, calls } = fakeHttp();
    let release!: () => void;
    const committed = new Promise<void>((r) => (release = r));
    const ended: string[] = [];
    const running = runSteps({
      runId: "r2",
      steps,
      source: { name: "Иван" },
      credentials: { "Weeek токен": TOKEN },
      context: () => ({ http }),
      // As the worker's executor: a promise only for the step it commits now, nothing otherwise.
      onStepEnd: (rec) => {
        ended.push(rec.stepId);
        return rec.stepId === "c1" ? committed : undefined;
      },
    });
    // Unblocked, the whole chain (an in-memory answer) ends within one turn of the event loop.
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    expect(ended).toEqual(["c1"]);
    expect(calls).toHaveLength(0);
    release();
    const r = await running;
    expect(r.status).toBe("succeeded");
    expect(ended).toEqual(["c1", "h1", "p1"]);
    expect(calls).toHaveLength(1);
  });

  it("stops at the first failure and names the step", async () => {
    const { http } = fakeHttp(422);
    const r = await runSteps({ runId: "r2", steps, source: { name: "x" }, credentials: { "Weeek токен": TOKEN }, context: () => ({ http }) });
    expect(r.status).toBe("failed");
    expect(r.records.map((x) => x.status)).toEqual(["succeeded", "failed"]);
    expect(r.error).toMatchObject({ stepId: "h1", index: 1, code: "http_422" });
    expect(r.error!.message).toBe('Шаг 2 «Создать контакт»: HTTP 422 от api.example.com: {"contact":{"id":"c-42"},"echo":"Bearer ***"}');
    expect(r.error!.messageEn).toBe('Step 2 "Создать контакт": HTTP 422 from api.example.com: {"contact":{"id":"c-42"},"echo":"Bearer ***"}');
  });

  it("a missing credential or invalid config fails the step with a clear message", async () => {
    const { http } = fakeHttp();
    const r = await runSteps({ runId: "r3", steps, source: { name: "x" }, credentials: {}, context: () => ({ http }) });
    expect(r.error!.message).toBe("Шаг 1 «Контакт»: Поле «Шаблон» → auth: ключ доступа «Weeek токен» не найден");
    const bad = await runSteps({
      runId: "r4",
      steps: [{ id: "x", type: "http-request", name: "H", config: {} }],
      source: {},
      credentials: {},
      context: () => ({ http }),
    });
    expect(bad.error!.message).toBe("Шаг 1 «H»: Неверная настройка: «Адрес» — обязательное поле");
  });

  it("resumes after step N with previous outputs", async () => {
    const { http, calls } = fakeHttp();
    const r = await runSteps({
      runId: "r5",
      steps,
      source: {},
      credentials: {},
      previousOutputs: { c1: { result: {} }, h1: { status: 200, headers: {}, body: { contact: { id: "prev" } } } },
      startIndex: 2,
      context: () => ({ http }),
    });
    expect(calls).toHaveLength(0);
    expect(r.records.map((x) => x.stepId)).toEqual(["p1"]);
    expect(r.outputs.p1).toEqual({ id: "prev" });
  });

  it("caps recorded payloads", async () => {
    const big = "x".repeat(5000);
    const r = await runSteps({
      runId: "r6",
      steps: [{ id: "c", type: "json-composer", name: "", config: { template: '{"v": "{{source.v}}"}' } }],
      source: { v: big },
      credentials: {},
      context: () => ({ http: fakeHttp().http }),
      maxRecordBytes: 1000,
    });
    expect(r.records[0].output).toMatchObject({ __truncated: true, bytes: 5019 });
    expect(r.outputs.c).toEqual({ result: { v: big } });
  });
});

describe("testStep", () => {
  it("runs one step with the given earlier outputs", async () => {
    const { http, calls } = fakeHttp();
    const r = await testStep({
      runId: "test",
      steps,
      stepId: "h1",
      source: {},
      outputs: { c1: { result: { name: "Пётр" } } },
      credentials: { "Weeek токен": TOKEN },
      context: () => ({ http }),
    });
    expect(calls).toHaveLength(1);
    expect(calls[0].headers["Idempotency-Key"]).toBe("test:h1");
    expect(r.record).toMatchObject({ stepId: "h1", index: 1, status: "succeeded" });
    expect(r.output).toMatchObject({ status: 200, body: { contact: { id: "c-42" }, echo: "Bearer ***" } });
  });

  it("reports a reference to a step without a sample output", async () => {
    const r = await testStep({ runId: "t", steps, stepId: "p1", source: {}, outputs: {}, credentials: {}, context: () => ({ http: fakeHttp().http }) });
    expect(r.record.error?.message).toBe("Поле «JSON (откуда брать)»: шаг h1 не выполнялся раньше этого шага");
  });
});
