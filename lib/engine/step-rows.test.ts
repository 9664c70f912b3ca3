// A step's history row carries the JSON text the executor measured when it capped the step's input
// and output (RECORD_JSON), so a value is serialized once; the text is what the row stores, masked
// and capped like the record, and it never leaks into the record's JSON or copies.
import { describe, expect, it } from "vitest";
import { runSteps } from "./run-steps";
import { createStepRowBuilder } from "./step-rows";
import { RECORD_JSON, withRecordJson, type StepRecord } from "../actions/step-record";
import type { StepDefinition } from "../definition/schema";

const SECRET = "weeek-secret-token-0002";
const steps: StepDefinition[] = [
  { id: "c1", type: "json-composer", name: "Контакт", config: { template: '{"name": "{{source.name}}", "auth": "{{credentials[\\"Weeek\\"]}}"}' } },
  { id: "c2", type: "json-composer", name: "Большой", config: { template: '{"text": "{{source.long}}"}' } },
];

describe("step rows", () => {
  it("store the texts the executor measured: masked, capped, equal to the record's JSON", async () => {
    const records: StepRecord[] = [];
    await runSteps({
      runId: "r1",
      steps,
      source: { name: 'Анна "Ли" 😀\nвторая строка', long: "я".repeat(5_000) },
      credentials: { Weeek: SECRET },
      context: () => ({ http: async () => ({ status: 200, headers: {}, body: "", url: "" }) }),
      maxRecordBytes: 2_000,
      onStepEnd: (r) => void records.push(r),
    });
    const rows = createStepRowBuilder("r1", 1_000_000);
    for (const r of records) {
      const measured = r[RECORD_JSON]!;
      expect(measured).toBeDefined();
      const row = rows.fromRecord(r);
      expect(row.inputJson).toBe(measured.input);
      expect(row.outputJson).toBe(measured.output);
      expect(row.inputJson).toBe(JSON.stringify(r.input));
      expect(row.outputJson).toBe(JSON.stringify(r.output));
      expect(row.outputJson).not.toContain(SECRET);
      // Not enumerable: neither a copy nor an equality check in a test sees it.
      expect(Object.getOwnPropertyDescriptor(r, RECORD_JSON)?.enumerable).toBe(false);
      expect(Object.getOwnPropertySymbols({ ...r })).toEqual([]);
    }
    expect(records[0].output).toEqual({ result: { name: 'Анна "Ли" 😀\nвторая строка', auth: "***" } });
    expect(records[1].output).toMatchObject({ __truncated: true });
    expect(Buffer.byteLength(rows.fromRecord(records[1]).outputJson!)).toBeLessThanOrEqual(2_000);
  });

  it("use the measured text when there is one, and serialize the value when there is none", () => {
    const base = {
      stepId: "s",
      index: 0,
      name: "Шаг",
      type: "json-composer",
      status: "succeeded" as const,
      error: null,
      attempts: 1,
      startedAt: new Date(),
      durationMs: 1,
    };
    const rows = createStepRowBuilder("r1", 1_000_000);
    const plain: StepRecord = { ...base, input: { a: 1 }, output: { b: 2 } };
    expect(rows.fromRecord(plain)).toMatchObject({ inputJson: '{"a":1}', outputJson: '{"b":2}' });
    const measured = withRecordJson({ ...base, input: { a: 1 }, output: { b: 2 } }, { input: '{"a": 1}', output: '{"b": 2}' });
    expect(rows.fromRecord(measured)).toMatchObject({ inputJson: '{"a": 1}', outputJson: '{"b": 2}' });
  });
});
