import { describe, expect, it } from "vitest";
import { getByPath, parsePath } from "./paths";

describe("getByPath", () => {
  const data = {
    a: { b: 1 },
    list: [{ id: "x" }, { id: "y" }],
    "appointment.time": "10:30",
    "key.with.dots": { inner: true },
    appointment: { id: 7 },
    empty: null,
  };

  it("resolves dot, index and bracket forms", () => {
    expect(getByPath(data, "a.b")).toEqual({ found: true, value: 1 });
    expect(getByPath(data, "list[1].id")).toEqual({ found: true, value: "y" });
    expect(getByPath(data, '["key.with.dots"].inner')).toEqual({ found: true, value: true });
    expect(getByPath(data, "['a']['b']")).toEqual({ found: true, value: 1 });
    expect(getByPath(data, '["list"][0]["id"]')).toEqual({ found: true, value: "x" });
    expect(getByPath(data, "$.a.b")).toEqual({ found: true, value: 1 });
  });

  it("falls back to a verbatim key containing dots (Klientiks' appointment.time) when nesting finds nothing", () => {
    expect(getByPath(data, "appointment.time")).toEqual({ found: true, value: "10:30" });
    // Nesting wins where both exist: the field picker writes the verbatim key as ["appointment.time"].
    const both = { "appointment.time": "10:30", appointment: { time: "nested" } };
    expect(getByPath(both, "appointment.time")).toEqual({ found: true, value: "nested" });
    expect(getByPath(both, '["appointment.time"]')).toEqual({ found: true, value: "10:30" });
    expect(getByPath(data, "appointment.id")).toEqual({ found: true, value: 7 });
    expect(getByPath(data, "key.with.dots.inner")).toEqual({ found: true, value: true });
  });

  it("tells a missing field from a present null", () => {
    expect(getByPath(data, "empty")).toEqual({ found: true, value: null });
    expect(getByPath(data, "nope")).toEqual({ found: false, value: undefined });
    expect(getByPath(data, "list[5].id")).toEqual({ found: false, value: undefined });
    expect(getByPath(data, "a.b.c")).toEqual({ found: false, value: undefined });
  });

  it("does not reach prototype properties", () => {
    expect(getByPath({}, "constructor")).toEqual({ found: false, value: undefined });
    expect(getByPath({ a: {} }, "a.__proto__")).toEqual({ found: false, value: undefined });
  });

  it("rejects malformed paths", () => {
    expect(() => parsePath('["open')).toThrow(/unclosed/);
    expect(() => parsePath("a..b")).toThrow(/empty segment/);
  });
});
