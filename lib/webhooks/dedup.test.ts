import { describe, expect, it } from "vitest";
import { dedupKeyOf } from "./dedup";

const cfg = (over: Partial<Parameters<typeof dedupKeyOf>[0]> = {}) => ({
  enabled: true,
  by: "key" as const,
  key: "{{source.appointment_id}}",
  windowMinutes: 60,
  ...over,
});

describe("dedupKeyOf", () => {
  it("a key template: same value → same hash, another value → another; several fields combine", () => {
    const a = dedupKeyOf(cfg(), { method: "GET", payload: { appointment_id: "90017", client_name: "Анна" } });
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(dedupKeyOf(cfg(), { method: "POST", payload: { appointment_id: "90017", client_name: "Другая" } })).toBe(a);
    expect(dedupKeyOf(cfg(), { method: "GET", payload: { appointment_id: "90018" } })).not.toBe(a);
    const two = cfg({ key: "{{source.client_id}}-{{source.appointment_id}}" });
    expect(dedupKeyOf(two, { method: "GET", payload: { client_id: "1", appointment_id: "23" } })).not.toBe(
      dedupKeyOf(two, { method: "GET", payload: { client_id: "12", appointment_id: "3" } }),
    );
  });

  it("an event without the key's value has no key (never a duplicate)", () => {
    expect(dedupKeyOf(cfg(), { method: "GET", payload: {} })).toBeNull();
    expect(dedupKeyOf(cfg(), { method: "GET", payload: { appointment_id: "  " } })).toBeNull();
  });

  it("the whole request: key order does not matter, method and any value do", () => {
    const r = cfg({ by: "request", key: "" });
    const a = dedupKeyOf(r, { method: "POST", payload: { a: 1, b: { c: "x", d: [1, 2] } } });
    expect(dedupKeyOf(r, { method: "POST", payload: { b: { d: [1, 2], c: "x" }, a: 1 } })).toBe(a);
    expect(dedupKeyOf(r, { method: "PUT", payload: { a: 1, b: { c: "x", d: [1, 2] } } })).not.toBe(a);
    expect(dedupKeyOf(r, { method: "POST", payload: { a: 1, b: { c: "x", d: [2, 1] } } })).not.toBe(a);
    // A key template's value and the same text as a whole request never collide.
    expect(dedupKeyOf(cfg({ key: "{{source.x}}" }), { method: "GET", payload: { x: "GET" } })).not.toBe(dedupKeyOf(r, { method: "GET", payload: {} }));
  });
});
