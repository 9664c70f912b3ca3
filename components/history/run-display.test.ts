import { describe, expect, it } from "vitest";
import { truncateJson } from "@/lib/definition/truncate";
import { explainStepError, findTruncations, formatBytes, formatDuration, httpExchange, jsonText } from "./run-display";

describe("truncation display", () => {
  it("finds the engine's markers at the top and nested, with their original size", () => {
    const big = { text: "я".repeat(5000) };
    const top = truncateJson(big, 256);
    expect(findTruncations(top)).toEqual([{ path: "$", bytes: expect.any(Number), preview: expect.any(String) }]);
    expect(findTruncations(top)[0].bytes).toBeGreaterThan(10_000);
    const nested = { a: 1, steps: [{ "odd key": truncateJson(big, 128) }] };
    expect(findTruncations(nested).map((m) => m.path)).toEqual(['$.steps[0]["odd key"]']);
    expect(findTruncations({ a: { b: [1, "x"] } })).toEqual([]);
  });

  it("shows the preview of a cut value with an ellipsis, JSON otherwise", () => {
    const marker = truncateJson({ list: Array.from({ length: 100 }, (_, i) => i) }, 100);
    expect(jsonText(marker)).toMatch(/^\{"list":\[0,1,.* …$/);
    expect(jsonText({ a: 1 })).toBe('{\n  "a": 1\n}');
    expect(jsonText("text")).toBe("text");
    expect(jsonText(null)).toBe("null");
  });

  it("formats sizes and durations", () => {
    expect(formatBytes(512)).toBe("512 Б");
    expect(formatBytes(1536)).toBe("1,5 КБ");
    expect(formatBytes(1536, "en")).toBe("1.5 KB");
    expect(formatBytes(5 * 1024 * 1024, "en")).toBe("5.0 MB");
    expect(formatDuration(null)).toBe("—");
    expect(formatDuration(240)).toBe("240 мс");
    expect(formatDuration(1234)).toBe("1,23 с");
    expect(formatDuration(125_000)).toBe("2 мин 5 с");
    expect(formatDuration(240, "en")).toBe("240 ms");
    expect(formatDuration(1234, "en")).toBe("1.23 s");
    expect(formatDuration(125_000, "en")).toBe("2 min 5 s");
  });
});

describe("httpExchange", () => {
  const input = {
    method: "POST",
    url: "https://api.weeek.net/public/v1/crm/contacts",
    headers: { Authorization: "Bearer ***", "Content-Type": "application/json" },
    body: '{"firstName":"Иван"}',
    timeoutMs: 30000,
  };

  it("takes the response from a successful step's output", () => {
    const ex = httpExchange({ actionType: "http-request", input, output: { status: 200, headers: { a: "b" }, body: { success: true } }, error: null });
    expect(ex).toEqual({
      request: { method: "POST", url: input.url, headers: input.headers, body: { firstName: "Иван" } },
      response: { status: 200, headers: { a: "b" }, body: { success: true } },
    });
  });

  it("takes a refused request's status and body from the stored error detail, never from the error text", () => {
    const ex = httpExchange({
      actionType: "http-request",
      input,
      output: null,
      error: "Шаг 2 «Создать контакт»: HTTP 422 от api.weeek.net: …",
      errorDetail: { kind: "validation", status: 422, host: "api.weeek.net", body: '{"message":"The emails.0 field must be a string."}' },
    });
    expect(ex?.response).toEqual({ status: 422, headers: null, body: { message: "The emails.0 field must be a string." } });
    // The text alone (an old row without detail) is not parsed back.
    expect(httpExchange({ actionType: "http-request", input: null, output: null, error: "Step 2: HTTP 500 from 127.0.0.1:4018: oops" })).toBeNull();
    const cut = httpExchange({
      actionType: "http-request",
      input: null,
      output: null,
      error: "x",
      errorDetail: { kind: "server", status: 502, body: '{"a":"cut…' },
    });
    expect(cut?.response).toEqual({ status: 502, headers: null, body: '{"a":"cut…' });
    expect(httpExchange({ actionType: "http-request", input: null, output: null, error: "timeout", errorDetail: { kind: "timeout", host: "h" } })).toBeNull();
    expect(httpExchange({ actionType: "json-parser", input, output: null, error: null })).toBeNull();
  });
});

describe("explainStepError", () => {
  it("names the credential on 401/403 and offers its link", () => {
    expect(explainStepError({ kind: "auth", status: 401, host: "api.weeek.net", credentials: ["Weeek токен"] })).toEqual({
      key: "authWithCredential",
      values: { host: "api.weeek.net", status: "401", message: "", credential: "Weeek токен", attempts: 1, field: "" },
      credentialLink: true,
    });
    expect(explainStepError({ kind: "auth", status: 403, host: "h" })?.key).toBe("auth");
    expect(explainStepError({ kind: "auth", field: "headers.Authorization", credentials: ["Нет такого"] })?.key).toBe("credentialMissing");
  });

  it("one key per kind, with the destination's own message and the attempts", () => {
    expect(explainStepError({ kind: "validation", status: 422, host: "h", message: "The emails.0 field must be a string." })?.values.message).toBe(
      "The emails.0 field must be a string.",
    );
    for (const kind of ["not-found", "rate-limit", "server", "timeout", "private-address", "network", "template", "config", "other"] as const) {
      expect(explainStepError({ kind, attempts: 3 })).toMatchObject({ key: kind, values: { attempts: 3 } });
    }
    expect(explainStepError(null)).toBeNull();
  });
});
