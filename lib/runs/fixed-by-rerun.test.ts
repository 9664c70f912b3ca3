// «исправлено повтором»: a FAILED run whose re-run SUCCEEDED points at that re-run in the list.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDb, prisma } from "../db";
import { closeQueues } from "../queue/run-queue";
import { createPipeline, createUser } from "../../test/support/webhook-fixtures";
import { listRuns } from "./list-runs";
import { runFilterSchema } from "./run-filter";

let owner: { id: string };
beforeAll(async () => {
  owner = await createUser();
});
afterAll(async () => {
  await prisma.user.deleteMany({ where: { id: owner?.id } });
  await closeQueues();
  await closeDb();
});

const base = Date.parse("2025-04-01T10:00:00Z");
const run = (pipelineId: string, i: number, status: "SUCCEEDED" | "FAILED", rerunOfId?: string) =>
  prisma.run.create({
    data: {
      pipelineId,
      userId: owner.id,
      version: 1,
      method: "GET",
      status,
      payload: { i },
      searchTerms: [],
      receivedAt: new Date(base + i * 1000),
      rerunOfId,
    },
  });

describe("listRuns fixedByRunId", () => {
  it("marks a failed run fixed by its newest succeeded re-run, and nothing else", async () => {
    const p = await createPipeline(owner.id);
    const fixed = await run(p.id, 1, "FAILED");
    const stillFailing = await run(p.id, 2, "FAILED");
    await run(p.id, 3, "FAILED", fixed.id); // a failed re-run first
    const good = await run(p.id, 4, "SUCCEEDED", fixed.id);
    await run(p.id, 5, "FAILED", stillFailing.id);
    const ok = await run(p.id, 6, "SUCCEEDED");

    const { runs } = await listRuns({ userId: owner.id, filter: runFilterSchema.parse({ pipelineId: p.id }) });
    const by = Object.fromEntries(runs.map((r) => [r.id, r.fixedByRunId]));
    expect(by[fixed.id]).toBe(good.id);
    expect(by[stillFailing.id]).toBeNull();
    expect(by[good.id]).toBeNull();
    expect(by[ok.id]).toBeNull();
  });
});
