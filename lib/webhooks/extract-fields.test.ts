import { describe, expect, it } from "vitest";
import { extractFields, formatKey, joinKey } from "./extract-fields";
import { getByPath } from "../definition/paths";

// Paths are resolved by the template engine's resolver — the one steps use at run time.
const at = (path: string) => getByPath(payload, path);

const payload = {
  client_id: "1842",
  "appointment.time": "10:30",
  services: ["стрижка", "укладка", "окрашивание", "маникюр"],
  contacts: { add: [{ name: "Иван", phone: "+79990001122" }] },
  appointment: { time: "nested" },
  "a b": { "x]y": 1 },
  flag: true,
  nothing: null,
  empty: {},
};

describe("path syntax", () => {
  it("formats plain keys bare and everything else as a bracketed JSON string", () => {
    expect(formatKey("client_phone")).toBe("client_phone");
    expect(formatKey("Имя")).toBe("Имя");
    expect(formatKey("appointment.time")).toBe('["appointment.time"]');
    expect(formatKey("a b")).toBe('["a b"]');
    expect(formatKey('q"x')).toBe('["q\\"x"]');
    expect(formatKey("")).toBe('[""]');
    expect(joinKey("", "a")).toBe("a");
    expect(joinKey("a", "b")).toBe("a.b");
    expect(joinKey("a", "b.c")).toBe('a["b.c"]');
  });

  it("the engine resolves emitted paths, keeping a dotted key and a nested path apart", () => {
    expect(at('["appointment.time"]')).toEqual({ found: true, value: "10:30" });
    expect(at("appointment.time")).toEqual({ found: true, value: "nested" });
    expect(at("contacts.add[0].phone")).toEqual({ found: true, value: "+79990001122" });
    expect(at("services[3]")).toEqual({ found: true, value: "маникюр" });
    expect(at("services.1")).toEqual({ found: true, value: "укладка" });
    expect(at('["a b"]["x]y"]')).toEqual({ found: true, value: 1 });
    expect(at("nothing")).toEqual({ found: true, value: null });
    for (const missing of ["missing.deeper", "services[9]", "client_id.length", "constructor"]) {
      expect(at(missing).found, missing).toBe(false);
    }
  });

  it("every field «Получить» lists resolves to its example value", () => {
    for (const f of extractFields(payload)) {
      const r = at(f.path);
      expect(r.found, f.path).toBe(true);
      const shown = typeof r.value === "string" ? r.value : JSON.stringify(r.value);
      expect(shown, f.path).toBe(f.example);
    }
  });
});

describe("extractFields", () => {
  it("lists every path with an example, arrays limited to the first three items", () => {
    expect(extractFields(payload)).toEqual([
      { path: "client_id", example: "1842", type: "string" },
      { path: '["appointment.time"]', example: "10:30", type: "string" },
      { path: "services", example: '["стрижка","укладка","окрашивание","маникюр"]', type: "array" },
      { path: "services[0]", example: "стрижка", type: "string" },
      { path: "services[1]", example: "укладка", type: "string" },
      { path: "services[2]", example: "окрашивание", type: "string" },
      { path: "contacts", example: '{"add":[{"name":"Иван","phone":"+79990001122"}]}', type: "object" },
      { path: "contacts.add", example: '[{"name":"Иван","phone":"+79990001122"}]', type: "array" },
      { path: "contacts.add[0]", example: '{"name":"Иван","phone":"+79990001122"}', type: "object" },
      { path: "contacts.add[0].name", example: "Иван", type: "string" },
      { path: "contacts.add[0].phone", example: "+79990001122", type: "string" },
      { path: "appointment", example: '{"time":"nested"}', type: "object" },
      { path: "appointment.time", example: "nested", type: "string" },
      { path: '["a b"]', example: '{"x]y":1}', type: "object" },
      { path: '["a b"]["x]y"]', example: "1", type: "number" },
      { path: "flag", example: "true", type: "boolean" },
      { path: "nothing", example: "null", type: "null" },
      { path: "empty", example: "{}", type: "object" },
    ]);
  });

  it("every listed path resolves back to its value", () => {
    for (const f of extractFields(payload)) expect(getByPath(payload, f.path), f.path).not.toBeUndefined();
  });

  it("truncates examples to 200 characters", () => {
    const [f] = extractFields({ long: "я".repeat(500) });
    expect(f.example).toHaveLength(200);
    expect(f.example!.endsWith("…")).toBe(true);
  });

  it("caps the number of fields", () => {
    const many = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`k${i}`, i]));
    expect(extractFields(many)).toHaveLength(500);
  });
});
