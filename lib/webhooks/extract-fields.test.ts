import { describe, expect, it } from "vitest";
import { extractFields, formatKey, getByPath, joinKey, parsePath } from "./extract-fields";

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

  it("parses paths into keys and indexes", () => {
    expect(parsePath("contacts.add[0].name")).toEqual(["contacts", "add", 0, "name"]);
    expect(parsePath('["appointment.time"]')).toEqual(["appointment.time"]);
    expect(parsePath('a["b.c"][2]["x]y"]')).toEqual(["a", "b.c", 2, "x]y"]);
    expect(parsePath("['k']")).toEqual(["k"]);
    expect(parsePath("a..b")).toBeNull();
    expect(parsePath("a.")).toBeNull();
    expect(parsePath("a[")).toBeNull();
    expect(parsePath("")).toBeNull();
  });

  it("getByPath keeps a dotted key and a nested path apart", () => {
    expect(getByPath(payload, '["appointment.time"]')).toBe("10:30");
    expect(getByPath(payload, "appointment.time")).toBe("nested");
    expect(getByPath(payload, "contacts.add[0].phone")).toBe("+79990001122");
    expect(getByPath(payload, "services[3]")).toBe("маникюр");
    expect(getByPath(payload, "services.1")).toBe("укладка");
    expect(getByPath(payload, '["a b"]["x]y"]')).toBe(1);
    expect(getByPath(payload, "nothing")).toBeNull();
    expect(getByPath(payload, "missing.deeper")).toBeUndefined();
    expect(getByPath(payload, "services[9]")).toBeUndefined();
    expect(getByPath(payload, "client_id.length")).toBeUndefined();
    expect(getByPath(payload, "constructor")).toBeUndefined();
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
