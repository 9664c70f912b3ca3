import { describe, expect, it } from "vitest";
import { createMasker, isSensitiveHeader, maskSecrets } from "./mask";
import { maskHeaders } from "../webhooks/parse-request";
import { capJson, jsonBytes, truncateJson } from "../definition/truncate";

describe("isSensitiveHeader", () => {
  it("is one rule for headers received and headers sent", () => {
    for (const name of ["Authorization", "cookie", "X-Api-Key", "X-Auth-Token", "x-webhook-signature", "X-Client-Secret", "X-Session-Id"]) {
      expect(isSensitiveHeader(name), name).toBe(true);
      expect(maskHeaders({ [name.toLowerCase()]: "v" })[name.toLowerCase()], name).toBe("***");
    }
    for (const name of ["Content-Type", "Accept", "X-Request-Id", "User-Agent"]) {
      expect(isSensitiveHeader(name), name).toBe(false);
      expect(maskHeaders({ [name.toLowerCase()]: "v" })[name.toLowerCase()], name).toBe("v");
    }
  });
});

describe("maskSecrets", () => {
  it("replaces every form of a credential value and auth-like headers", () => {
    const secret = 'tok "en"/ä';
    const value = {
      url: `https://h/x?token=${encodeURIComponent(secret)}`,
      body: JSON.stringify({ t: secret }),
      form: new URLSearchParams({ t: secret }).toString(),
      headers: { Authorization: "Bearer typed-in-directly", Cookie: "sid=1", "X-Api-Key": "k", Accept: "*/*" },
      nested: [{ note: `prefix ${secret} suffix` }],
      "set-cookie": ["a=1", "b=2"],
    };
    expect(maskSecrets(value, [secret])).toEqual({
      url: "https://h/x?token=***",
      body: '{"t":"***"}',
      form: "t=***",
      headers: { Authorization: "Bearer ***", Cookie: "***", "X-Api-Key": "***", Accept: "*/*" },
      nested: [{ note: "prefix *** suffix" }],
      "set-cookie": ["***", "***"],
    });
  });

  it("short secrets are masked only as whole values", () => {
    const m = createMasker(["ab"]);
    expect(m.text("ab")).toBe("***");
    expect(m.text("abc")).toBe("abc");
  });
});

describe("truncateJson", () => {
  it("keeps small values and marks cut ones within the cap", () => {
    expect(truncateJson({ a: 1 }, 100)).toEqual({ a: 1 });
    const big = { text: "я".repeat(1000) };
    const cut = truncateJson(big, 200) as { __truncated: boolean; bytes: number; preview: string };
    expect(cut.__truncated).toBe(true);
    expect(cut.bytes).toBe(jsonBytes(big));
    expect(cut.bytes).toBe(2011);
    expect(cut.preview.startsWith('{"text":"яяя')).toBe(true);
    expect(jsonBytes(cut)).toBeLessThanOrEqual(200);
  });
});

describe("capJson", () => {
  it("gives the capped value with its own JSON text, for values kept and values cut", () => {
    for (const [value, cap] of [
      [{ a: 'кавычки " и \n перевод строки 😀' }, 1000],
      [{ text: "я".repeat(1000) }, 200],
      [null, 10],
      ["\ud800 одинокий суррогат", 1000],
    ] as const) {
      const c = capJson(value, cap);
      // A value that fits comes back as itself; one that does not becomes the visible marker.
      if (jsonBytes(value) <= cap) expect(c.value).toBe(value);
      else expect(c.value).toMatchObject({ __truncated: true, bytes: jsonBytes(value) });
      expect(c.json).toBe(JSON.stringify(c.value));
      expect(jsonBytes(c.value)).toBeLessThanOrEqual(cap);
    }
  });
});
