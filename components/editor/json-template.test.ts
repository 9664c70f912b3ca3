import { describe, expect, it } from "vitest";
import { jsonTemplateDiagnostic, jsonTemplateStandIn } from "./json-template";

describe("JSON template diagnostics", () => {
  it("accepts tokens inside strings and as bare values", () => {
    expect(jsonTemplateDiagnostic('{ "a": "{{source.x}}", "n": {{source.sum | number}}, "b": {{steps.s1.result}} }')).toBeNull();
    expect(jsonTemplateDiagnostic("{{steps.s1.result}}")).toBeNull();
  });

  it("keeps positions aligned with the typed text", () => {
    const text = '{ "a": "{{source.x}}" "b": 1 }';
    expect(jsonTemplateStandIn(text)).toHaveLength(text.length);
    const d = jsonTemplateDiagnostic(text)!;
    expect(d).not.toBeNull();
    expect(text.slice(d.from, d.from + 1)).toBe('"');
  });

  it("reports a cut-off template at its end and an empty one", () => {
    const d = jsonTemplateDiagnostic('{ "a": 1')!;
    expect(d.from).toBeGreaterThan(0);
    expect(jsonTemplateDiagnostic("  ")).toEqual({ from: 0, to: 0, message: "empty" });
  });

  it("understands filters, chains and default's argument like the engine", () => {
    expect(jsonTemplateDiagnostic('{ "emails": ["{{source.client_email | omitEmpty | trim}}"], "price": {{source.cost | omitEmpty | round}} }')).toBeNull();
    expect(jsonTemplateDiagnostic('{ "name": "{{source.n | default(\\"Без имени\\")}}", "d": "{{source.d | date}}T{{source.t | time}}" }')).toBeNull();
    expect(jsonTemplateDiagnostic('{ "n": {{source.n | default("0") | number}} }')).toBeNull();
    // A brace expression with an unknown filter is not a token: as a bare value it is broken JSON.
    expect(jsonTemplateDiagnostic('{ "n": {{source.n | nope}} }')).not.toBeNull();
  });
});
