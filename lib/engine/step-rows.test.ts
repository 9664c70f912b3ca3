// A step's history row carries the JSON text the executor measured when it capped the step's input
// and output (handed to onStepEnd next to the record), so a value is serialized once; the text is
// what the row stores, masked and capped like the record.
import { describe, expect, it } from "vitest";
import { runSteps } from "./run-steps";
import { createStepRowBuilder } from "./step-rows";
import type { RecordJson, StepRecord } from "../actions/step-record";
import type { StepDefinition } from "../definition/schema";

const SECRET = "weeek-secret-token-0002";
const steps: StepDefinition[] = [
  { id: "c1", type: "json-composer", name: "Контакт", config: { template: '{"name": "{{source.name}}", "auth": "{{credentials[\\"Weeek\\"]}}"}' } },
  { id: "c2", type: "json-composer", name: "Большой", config: { template: '{"text": "{{source.long}}"}' } },
];

describe("step rows", () => {
  it("store the texts the executor measured: masked, capped, equal to the record's JSON", async () => {
    const records: { record: StepRecord; json: RecordJson }[] = [];
    await runSteps({
      runId: "r1",
      steps,
      source: { name: 'Анна "Ли" 😀\nвторая строка', long: "я".repeat(5_000) },
      credentials: { Weeek: SECRET },
      context: () => ({ http: async () => ({ status: 200, headers: {}, body: "", url: "" }) }),
      maxRecordBytes: 2_000,
      onStepEnd: (record, json) => void records.push({ record, json }),
    });
    const rows = createStepRowBuilder("r1", 1_000_000);
    for (const { record: r, json: measured } of records) {
      const row = rows.fromRecord(r, measured);
      expect(row.inputJson).toBe(measured.input);
      expect(row.outputJson).toBe(measured.output);
      expect(row.inputJson).toBe(JSON.stringify(r.input));
      expect(row.outputJson).toBe(JSON.stringify(r.output));
      expect(row.inputJson).not.toContain(SECRET);
      expect(row.outputJson).not.toContain(SECRET);
    }
    expect(records[0].record.output).toEqual({ result: { name: 'Анна "Ли" 😀\nвторая строка', auth: "***" } });
    expect(records[1].record.output).toMatchObject({ __truncated: true });
    expect(Buffer.byteLength(rows.fromRecord(records[1].record, records[1].json).outputJson!)).toBeLessThanOrEqual(2_000);
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
    expect(rows.fromRecord(plain, { input: '{"a": 1}', output: '{"b": 2}' })).toMatchObject({ inputJson: '{"a": 1}', outputJson: '{"b": 2}' });
  });
});
