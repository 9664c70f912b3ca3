// The HTTP-запрос action against a real local server through the real outbound client (so it
// lives with the engine: actions themselves never touch node:*).
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runOne } from "../../test/support/action-kit";
import { httpRequest, retryAfterFromBody, retryAfterMs } from "../actions/http-request";
import { createOutboundHttp } from "../security/outbound-http";

type Reply = { status: number; body?: string; headers?: Record<string, string>; hang?: boolean };
let replies: Reply[] = [];
let seen: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }[] = [];
let server: http.Server;
let base = "";
let client: ReturnType<typeof createOutboundHttp>;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      const r = replies.shift() ?? { status: 200, body: '{"ok":true}' };
      if (r.hang) return;
      res.writeHead(r.status, { "content-type": "application/json", ...r.headers });
      res.end(r.body ?? "");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
  client = createOutboundHttp({ allowlist: `127.0.0.1:${port}`, maxResponseBytes: 2048 });
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

function setup(...r: Reply[]) {
  replies = r;
  seen = [];
}

const baseConfig = (extra: Record<string, unknown> = {}) => ({
  method: "POST",
  url: `${base}/public/v1/crm/contacts`,
  headers: [{ key: "Authorization", value: 'Bearer {{credentials["Weeek токен"]}}' }],
  bodyType: "json",
  bodyJson: "{{steps.s0.result}}",
  ...extra,
});
const credentials = { "Weeek токен": "secret-token-XYZ" };
const outputs = { s0: { result: { firstName: "Иван", note: 'a"b' } } };

describe("HTTP-запрос", () => {
  it("a redirect to another host loses every header that carries a credential, whatever its name", async () => {
    const port = new URL(base).port;
    setup({ status: 307, headers: { location: `http://localhost:${port}/moved` } }, { status: 200, body: "{}" });
    const both = createOutboundHttp({ allowlist: `127.0.0.1:${port},localhost:${port}` });
    const config = baseConfig({
      headers: [
        { key: "X-Partner", value: '{{credentials["Weeek токен"]}}' },
        { key: "X-Trace", value: "salon-42" },
      ],
    });
    const r = await runOne("http-request", config, { credentials, outputs, http: both });
    expect(r.record.status).toBe("succeeded");
    expect(seen[0].headers["x-partner"]).toBe("secret-token-XYZ");
    expect(seen[1].url).toBe("/moved");
    expect(seen[1].headers["x-partner"]).toBeUndefined();
    expect(seen[1].headers["x-trace"]).toBe("salon-42");
  });

  it("sends JSON from a step output with the credential, Idempotency-Key, and returns status/headers/body", async () => {
    setup({ status: 200, body: '{"success":true,"contact":{"id":"c1"}}', headers: { "x-req": "1" } });
    const sleeps: number[] = [];
    const r = await runOne("http-request", baseConfig(), { credentials, outputs, http: client, sleeps });
    expect(r.record.status).toBe("succeeded");
    expect(r.output).toMatchObject({ status: 200, body: { success: true, contact: { id: "c1" } } });
    expect((r.output!.headers as Record<string, string>)["x-req"]).toBe("1");
    expect(seen).toHaveLength(1);
    expect(seen[0].body).toBe('{"firstName":"Иван","note":"a\\"b"}');
    expect(seen[0].headers.authorization).toBe("Bearer secret-token-XYZ");
    expect(seen[0].headers["idempotency-key"]).toBe("run1:s1");
    expect(seen[0].headers["content-type"]).toBe("application/json; charset=utf-8");
    // History never shows the token.
    expect(JSON.stringify(r.record.input)).not.toContain("secret-token-XYZ");
    expect((r.record.input as { headers: Record<string, string> }).headers.Authorization).toBe("Bearer ***");
  });

  it("query params, URL tokens encoded, form body", async () => {
    setup({ status: 200, body: "plain", headers: { "content-type": "text/plain" } });
    const r = await runOne(
      "http-request",
      {
        method: "PUT",
        url: `${base}/deals/{{source.id}}`,
        query: [{ key: "q", value: "{{source.name}}" }],
        bodyType: "form",
        bodyForm: [
          { key: "name", value: "{{source.name}}" },
          { key: "x", value: "a&b=c" },
        ],
      },
      { source: { id: "a/b", name: "Иван Петров" }, http: client },
    );
    expect(r.output).toMatchObject({ status: 200, body: "plain" });
    expect(seen[0].url).toBe("/deals/a%2Fb?q=%D0%98%D0%B2%D0%B0%D0%BD+%D0%9F%D0%B5%D1%82%D1%80%D0%BE%D0%B2");
    expect(seen[0].body).toBe("name=%D0%98%D0%B2%D0%B0%D0%BD+%D0%9F%D0%B5%D1%82%D1%80%D0%BE%D0%B2&x=a%26b%3Dc");
    expect(seen[0].headers["content-type"]).toBe("application/x-www-form-urlencoded; charset=utf-8");
  });

  it("raw body and a header-set content type", async () => {
    setup({ status: 201, body: "" });
    const r = await runOne(
      "http-request",
      { url: `${base}/raw`, bodyType: "raw", bodyRaw: "<x>{{source.v}}</x>", headers: [{ key: "Content-Type", value: "application/xml" }] },
      { source: { v: "1" }, http: client },
    );
    expect(r.output).toMatchObject({ status: 201, body: "" });
    expect(seen[0]).toMatchObject({ body: "<x>1</x>" });
    expect(seen[0].headers["content-type"]).toBe("application/xml");
  });

  it("4xx: fails at once with the status, host and an excerpt, no retry", async () => {
    setup({ status: 422, body: '{"success":false,"message":"The given data was invalid.","errors":{"amount":["The amount must be a number."]}}' });
    const r = await runOne("http-request", baseConfig(), { credentials, outputs, http: client });
    expect(r.record.status).toBe("failed");
    expect(r.record.error?.message).toBe(
      `HTTP 422 от ${new URL(base).host}: {"success":false,"message":"The given data was invalid.","errors":{"amount":["The amount must be a number."]}}`,
    );
    expect(r.record.attempts).toBe(1);
    expect(seen).toHaveLength(1);
    // The structured form the run page explains (no screen parses the text above back).
    expect(r.record.error?.detail).toEqual({
      kind: "validation",
      status: 422,
      host: new URL(base).host,
      body: '{"success":false,"message":"The given data was invalid.","errors":{"amount":["The amount must be a number."]}}',
      message: "The given data was invalid.",
      attempts: 1,
      credentials: ["Weeek токен"],
    });
  });

  it("each refusal has its kind; a secret echoed in the body is masked in the detail", async () => {
    const cases: [number, string, string, string | undefined][] = [
      [401, '{"success":false,"message":"Unauthorized secret-token-XYZ"}', "auth", "Unauthorized ***"],
      [403, "Forbidden", "auth", undefined],
      [404, '{"ok":false,"error_code":404,"description":"Not Found"}', "not-found", "Not Found"],
      [400, '{"error":"","error_description":"Не заполнено обязательное поле"}', "validation", "Не заполнено обязательное поле"],
      [
        400,
        '{"validation-errors":[{"request_id":"0","errors":[{"code":"NotBlank","path":"0.price","detail":"This value should be of type int."}]}],"title":"Bad Request","detail":"Request validation failed"}',
        "validation",
        "0.price: This value should be of type int.",
      ],
      [418, "teapot", "http", undefined],
    ];
    for (const [status, body, kind, message] of cases) {
      setup({ status, body });
      const r = await runOne("http-request", baseConfig(), { credentials, outputs, http: client });
      expect(r.record.error?.detail, `${status}`).toMatchObject({ kind, status });
      expect(r.record.error?.detail?.message).toBe(message);
      expect(JSON.stringify(r.record.error)).not.toContain("secret-token-XYZ");
    }
    // 429 is waited out, not counted against attempts (flow control): it never ends as an error here.
    setup({ status: 429, body: "{}" }, { status: 429, body: "{}" }, { status: 200, body: '{"ok":1}' });
    const limited = await runOne("http-request", baseConfig({ maxAttempts: 1 }), { credentials, outputs, http: client, sleeps: [] });
    expect(limited.record.status).toBe("succeeded");
    expect(limited.record.attempts).toBe(3);
    setup({ status: 503, body: "down" });
    const down = await runOne("http-request", baseConfig({ maxAttempts: 1 }), { credentials, outputs, http: client });
    expect(down.record.error?.detail).toMatchObject({ kind: "server", status: 503, body: "down" });
  });

  it("5xx then 200: retried with backoff, same Idempotency-Key", async () => {
    setup({ status: 502, body: "bad gateway" }, { status: 503 }, { status: 200, body: '{"ok":1}' });
    const sleeps: number[] = [];
    const r = await runOne("http-request", baseConfig(), { credentials, outputs, http: client, sleeps });
    expect(r.record.status).toBe("succeeded");
    expect(r.record.attempts).toBe(3);
    expect(seen).toHaveLength(3);
    expect(new Set(seen.map((s) => s.headers["idempotency-key"]))).toEqual(new Set(["run1:s1"]));
    expect(sleeps).toHaveLength(2);
    expect(sleeps[0]).toBeGreaterThanOrEqual(1000);
    expect(sleeps[0]).toBeLessThanOrEqual(1300);
    expect(sleeps[1]).toBeGreaterThanOrEqual(2000);
    expect(sleeps[1]).toBeLessThanOrEqual(2600);
  });

  it("5xx on every attempt: fails after maxAttempts", async () => {
    setup({ status: 500, body: "boom" }, { status: 500, body: "boom" });
    const r = await runOne("http-request", baseConfig({ maxAttempts: 2 }), { credentials, outputs, http: client, sleeps: [] });
    expect(r.record.error?.message).toBe(`HTTP 500 от ${new URL(base).host}: boom (попыток: 2)`);
    expect(r.record.attempts).toBe(2);
    expect(seen).toHaveLength(2);
  });

  it("429 honours Retry-After (seconds), capped", async () => {
    setup({ status: 429, headers: { "retry-after": "7" } }, { status: 429, headers: { "retry-after": "100000" } }, { status: 200, body: "{}" });
    const sleeps: number[] = [];
    const r = await runOne("http-request", baseConfig(), { credentials, outputs, http: client, sleeps });
    expect(r.record.status).toBe("succeeded");
    expect(sleeps).toEqual([7000, 60000]);
    expect(retryAfterMs("Wed, 21 Oct 2015 07:28:10 GMT", Date.parse("Wed, 21 Oct 2015 07:28:00 GMT"))).toBe(10000);
    expect(retryAfterMs("soon")).toBeUndefined();
  });

  it("«too many requests» (429, Bitrix24's 503 QUERY_LIMIT_EXCEEDED) is waited out beyond maxAttempts; other 503s are not", async () => {
    const limit = { status: 503, body: JSON.stringify({ error: "QUERY_LIMIT_EXCEEDED", error_description: "Too many requests" }) };
    setup(limit, limit, limit, limit, { status: 429 }, limit, { status: 200, body: '{"result":1001}' });
    const sleeps: number[] = [];
    const r = await runOne("http-request", { ...baseConfig(), maxAttempts: 3 }, { credentials, outputs, http: client, sleeps });
    expect(r.record.status).toBe("succeeded");
    expect(r.record.attempts).toBe(7);
    expect(seen).toHaveLength(7);
    // Backed off: 1 s, 2 s, 4 s … (+ up to 30% jitter), capped.
    expect(sleeps[0]).toBeGreaterThanOrEqual(1000);
    expect(sleeps[3]).toBeGreaterThanOrEqual(8000);
    setup({ status: 503, body: "maintenance" }, { status: 503, body: "maintenance" });
    const r2 = await runOne("http-request", { ...baseConfig(), maxAttempts: 2 }, { credentials, outputs, http: client, sleeps: [] });
    expect(r2.record.status).toBe("failed");
    expect(seen).toHaveLength(2);
  });

  it("429 without Retry-After: Telegram's parameters.retry_after in the body sets the wait", async () => {
    const tooMany = (n: unknown) => ({
      status: 429,
      body: JSON.stringify({ ok: false, error_code: 429, description: "Too Many Requests: retry after 3", parameters: { retry_after: n } }),
    });
    setup(tooMany(3), tooMany(500), { status: 200, body: '{"ok":true}' });
    const sleeps: number[] = [];
    const r = await runOne("http-request", baseConfig(), { credentials, outputs, http: client, sleeps });
    expect(r.record.status).toBe("succeeded");
    expect(sleeps).toEqual([3000, 60000]);
    // The header wins over the body; a 5xx body is not consulted; junk falls back to backoff.
    setup({ status: 429, headers: { "retry-after": "2" }, body: JSON.stringify({ parameters: { retry_after: 9 } }) }, { status: 200, body: "{}" });
    const s2: number[] = [];
    await runOne("http-request", baseConfig(), { credentials, outputs, http: client, sleeps: s2 });
    expect(s2).toEqual([2000]);
    expect(retryAfterFromBody('{"parameters":{"retry_after":"x"}}')).toBeUndefined();
    expect(retryAfterFromBody("retry_after: 5")).toBeUndefined();
  });

  it("acceptNon2xx returns the error response as output", async () => {
    setup({ status: 404, body: '{"success":false,"message":"Deal not found"}' });
    const r = await runOne("http-request", baseConfig({ acceptNon2xx: true }), { credentials, outputs, http: client });
    expect(r.output).toMatchObject({ status: 404, body: { success: false, message: "Deal not found" } });
  });

  it("timeout is retried and then fails clearly", async () => {
    setup({ status: 0, hang: true }, { status: 0, hang: true });
    const r = await runOne("http-request", baseConfig({ timeoutSeconds: 1, maxAttempts: 2 }), { credentials, outputs, http: client, sleeps: [] });
    expect(r.record.error?.message).toBe(`Нет ответа за 1 с от ${new URL(base).host} (попыток: 2)`);
    expect(r.record.error?.detail).toMatchObject({ kind: "timeout", host: new URL(base).host, attempts: 2 });
    expect(seen).toHaveLength(2);
  });

  it("oversized response fails with a clear message", async () => {
    setup({ status: 200, body: "x".repeat(5000) });
    const r = await runOne("http-request", baseConfig(), { credentials, outputs, http: client });
    expect(r.record.error?.message).toBe(`Ответ от ${new URL(base).host} больше допустимого размера 2 КиБ (HTTP_MAX_RESPONSE_BYTES)`);
    expect(seen).toHaveLength(1);
  });

  it("SSRF-blocked target is not retried", async () => {
    const r = await runOne("http-request", baseConfig({ url: "http://169.254.169.254/latest" }), { credentials, outputs, http: createOutboundHttp() });
    expect(r.record.error?.message).toMatch(/^Адрес 169\.254\.169\.254 запрещён/);
    expect(r.record.error?.detail).toMatchObject({ kind: "private-address", host: "169.254.169.254" });
    expect(r.record.attempts).toBe(1);
  });

  it("summary and outputs", () => {
    const c = httpRequest.configSchema.parse({ method: "POST", url: "https://api.weeek.net/public/v1/crm/contacts" });
    expect(httpRequest.summary(c)).toBe("POST api.weeek.net/public/v1/crm/contacts");
    expect(httpRequest.outputs(c).map((o) => o.key)).toEqual(["status", "headers", "body"]);
    expect(httpRequest.outputs(c)[2].label).toEqual({ ru: "Содержимое ответа", en: "Response body" });
  });
});
