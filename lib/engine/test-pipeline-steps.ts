// «Проверить шаг» and «Проверить обработку»: run steps of an (unsaved) definition on a captured
// request, through the same runSteps/testStep code and the same SSRF-guarded client as the
// worker, with the user's own credentials. Calls are real requests; nothing is written to history.
import { randomUUID } from "node:crypto";
import { prisma } from "../db";
import { ValidationError } from "../errors";
import { resolveCredentials } from "../credentials/resolve-credentials";
import { ancestorsOf, sourceOfRun, sourcesOf, sourceScope, type PipelineDefinition, type StepDefinition } from "../definition/schema";
import { collectTokens } from "../definition/placeholders";
import { outboundHttpFromEnv } from "../security/outbound-http";
import { isUuid } from "../uuid";
import { storeClientFor } from "../store/store-client";
import { runSteps, testStep } from "./run-steps";
import type { StepOutputs, StepRecord } from "../actions/step-record";

export type Sample = { runId: string; receivedAt: Date; payload: unknown; sourceId: string | null };

/** The request «Получить» chose (runId), else the newest usable one; null when there is none. */
export async function loadSample(input: { userId: string; pipelineId: string; runId?: string }): Promise<Sample | null> {
  if (!isUuid(input.pipelineId) || (input.runId !== undefined && !isUuid(input.runId))) return null;
  const run = await prisma.run.findFirst({
    where: { pipelineId: input.pipelineId, userId: input.userId, status: { not: "REJECTED" }, ...(input.runId ? { id: input.runId } : {}) },
    orderBy: [{ receivedAt: "desc" }, { id: "desc" }],
    select: { id: true, receivedAt: true, payload: true, sourceId: true },
  });
  return run ? { runId: run.id, receivedAt: run.receivedAt, payload: run.payload, sourceId: run.sourceId } : null;
}

/** `source` as the worker would build it for the sample's run (with its source's name). */
function sampleSource(def: PipelineDefinition, pipelineId: string, sample: Sample): unknown {
  const source = sourceOfRun(def, sample.sourceId, pipelineId);
  return sourceScope(sample.payload, source.name, sourcesOf(def, pipelineId).length);
}

async function requireSample(userId: string, pipelineId: string, runId?: string): Promise<Sample> {
  const sample = await loadSample({ userId, pipelineId, runId });
  if (!sample) {
    throw new ValidationError("Нет полученных запросов: отправьте запрос на адрес вебхука и нажмите «Получить»", { details: { code: "no_sample" } });
  }
  return sample;
}

async function credentialsFor(userId: string, steps: StepDefinition[]): Promise<Record<string, string>> {
  const names = new Set<string>();
  for (const s of steps) for (const t of collectTokens(s.config)) if (t.kind === "credential") names.add(t.name);
  return names.size === 0 ? {} : resolveCredentials(userId, [...names]);
}

// A fresh id per test: the HTTP action's Idempotency-Key is runId:stepId, and a repeated test
// is meant to send again.
const testRunId = () => `test-${randomUUID()}`;

export type TestStepResponse = {
  sample: { runId: string; receivedAt: Date };
  /** Earlier steps that had no outputs yet and were run first (also real requests). */
  earlier: StepRecord[];
  record: StepRecord;
  /** Outputs by step id the editor may keep for testing later steps (masked). */
  outputs: StepOutputs;
};

/**
 * Runs one step with the outputs of the steps before it: the ones the editor already has
 * (`outputs`), and for earlier steps without outputs, by running those first — as n8n does.
 * The chain stops at the first failing earlier step.
 */
export async function testPipelineStep(input: {
  userId: string;
  pipelineId: string;
  definition: PipelineDefinition;
  stepId: string;
  outputs?: StepOutputs;
  sampleRunId?: string;
  signal?: AbortSignal;
}): Promise<TestStepResponse> {
  const steps = input.definition.steps;
  const index = steps.findIndex((s) => s.id === input.stepId);
  if (index < 0) throw new ValidationError(`Шага ${input.stepId} нет в обработке`);
  const sample = await requireSample(input.userId, input.pipelineId, input.sampleRunId);
  // Only the steps before it on some path (a branch elsewhere is not its business).
  const before = ancestorsOf(input.definition).get(input.stepId) ?? new Set<string>();
  const earlierSteps = steps.slice(0, index).filter((s) => before.has(s.id));
  const credentials = await credentialsFor(input.userId, [...earlierSteps, steps[index]]);
  const http = outboundHttpFromEnv();
  const runId = testRunId();
  const outputs: StepOutputs = {};
  for (const s of earlierSteps) if (input.outputs?.[s.id]) outputs[s.id] = input.outputs[s.id];

  const earlier: StepRecord[] = [];
  const store = storeClientFor(input.userId);
  const common = {
    runId,
    steps,
    source: sampleSource(input.definition, input.pipelineId, sample),
    credentials,
    context: () => ({ http, store }),
    signal: input.signal,
  };
  for (const s of earlierSteps) {
    if (outputs[s.id]) continue;
    const r = await testStep({ ...common, stepId: s.id, outputs });
    earlier.push(r.record);
    if (!r.output) {
      return { sample: { runId: sample.runId, receivedAt: sample.receivedAt }, earlier, record: r.record, outputs };
    }
    outputs[s.id] = r.output;
  }
  const r = await testStep({ ...common, stepId: input.stepId, outputs });
  if (r.output) outputs[input.stepId] = r.output;
  return { sample: { runId: sample.runId, receivedAt: sample.receivedAt }, earlier, record: r.record, outputs };
}

export type TestPipelineResponse = {
  sample: { runId: string; receivedAt: Date };
  /** "filtered": a «Фильтр» stopped the sample (a «Задержка» is not waited for in a test). */
  status: "succeeded" | "failed" | "filtered";
  records: StepRecord[];
  error: { stepId: string; index: number; message: string; messageEn: string } | null;
};

/** «Проверить обработку»: the whole chain on the sample; each step's recorded input and output. */
export async function testPipeline(input: {
  userId: string;
  pipelineId: string;
  definition: PipelineDefinition;
  sampleRunId?: string;
  signal?: AbortSignal;
}): Promise<TestPipelineResponse> {
  const sample = await requireSample(input.userId, input.pipelineId, input.sampleRunId);
  const steps = input.definition.steps;
  const credentials = await credentialsFor(input.userId, steps);
  const http = outboundHttpFromEnv();
  const result = await runSteps({
    runId: testRunId(),
    steps,
    edges: input.definition.edges,
    source: sampleSource(input.definition, input.pipelineId, sample),
    credentials,
    context: () => ({ http, store: storeClientFor(input.userId) }),
    signal: input.signal,
    now: () => Number.POSITIVE_INFINITY,
  });
  return {
    sample: { runId: sample.runId, receivedAt: sample.receivedAt },
    status: result.status === "waiting" ? "succeeded" : result.status,
    records: result.records,
    error: result.error ? { stepId: result.error.stepId, index: result.error.index, message: result.error.message, messageEn: result.error.messageEn } : null,
  };
}
