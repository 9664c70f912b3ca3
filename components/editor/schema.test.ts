import { describe, expect, it } from "vitest";
import { getAction, listActions } from "@/lib/actions/registry";
import { emptyRow, schemaFields } from "./schema";

describe("form fields from the action schemas", () => {
  it("reads the HTTP request's fields with their kinds", () => {
    const fields = Object.fromEntries(schemaFields(getAction("http-request")!.configSchema).map((f) => [f.key, f.field]));
    expect(fields.method).toEqual({ kind: "enum", options: ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"] });
    expect(fields.url).toEqual({ kind: "string" });
    expect(fields.acceptNon2xx).toEqual({ kind: "boolean" });
    expect(fields.timeoutSeconds).toMatchObject({ kind: "number", min: 1, max: 120 });
    expect(fields.maxAttempts).toMatchObject({ kind: "number", int: true, max: 10 });
    expect(fields.headers).toEqual({
      kind: "rows",
      columns: [
        { key: "key", kind: "string", optional: false },
        { key: "value", kind: "string", optional: false },
      ],
    });
  });

  it("reads row columns with enums and optional keys", () => {
    const composer = Object.fromEntries(schemaFields(getAction("json-composer")!.configSchema).map((f) => [f.key, f.field]));
    expect(composer.fields).toMatchObject({ kind: "rows" });
    const cols = composer.fields.kind === "rows" ? composer.fields.columns : [];
    expect(emptyRow(cols)).toEqual({ key: "", value: "", type: "auto" });
    const parser = Object.fromEntries(schemaFields(getAction("json-parser")!.configSchema).map((f) => [f.key, f.field]));
    const pcols = parser.outputs.kind === "rows" ? parser.outputs.columns : [];
    expect(pcols.find((c) => c.key === "key")?.optional).toBe(true);
    expect(emptyRow(pcols)).toEqual({ name: "", path: "" });
  });

  it("every action's form hints name fields of its own config schema", () => {
    for (const action of listActions()) {
      const keys = schemaFields(action.configSchema).map((f) => f.key);
      for (const hinted of Object.keys(action.form)) expect(keys, `${action.type}.${hinted}`).toContain(hinted);
    }
  });
});
