import { describe, expect, it } from "vitest";
import { truncateJson } from "@/lib/engine/truncate";
import { findTruncations, formatBytes, formatDuration, httpExchange, jsonText } from "./run-display";

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

  it("recovers status and body from a failed step's error, in either language and with attempts", () => {
    const ru = httpExchange({
      actionType: "http-request",
      input,
      output: null,
      error: 'HTTP 422 от api.weeek.net: {"success":false,"message":"The given data was invalid."} (попыток: 2)',
    });
    expect(ru?.response).toEqual({ status: 422, headers: null, body: { success: false, message: "The given data was invalid." } });
    const en = httpExchange({ actionType: "http-request", input: null, output: null, error: "Step 2: HTTP 500 from 127.0.0.1:4018: oops" });
    expect(en).toEqual({ request: null, response: { status: 500, headers: null, body: "oops" } });
    expect(httpExchange({ actionType: "http-request", input: null, output: null, error: "timeout" })).toBeNull();
    expect(httpExchange({ actionType: "json-parser", input, output: null, error: null })).toBeNull();
  });
});
