import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDb, prisma } from "../db";
import { createPipeline, createUser } from "../../test/support/webhook-fixtures";
import { listRecentRequests, summarizePayload } from "./list-recent-requests";

let owner: { id: string };
let stranger: { id: string };

beforeAll(async () => {
  owner = await createUser();
  stranger = await createUser();
});

afterAll(async () => {
  await prisma.user.deleteMany({ where: { id: { in: [owner?.id, stranger?.id].filter(Boolean) as string[] } } });
  await closeDb();
});

describe("listRecentRequests", () => {
  it("returns the newest 20 received requests with a summary, newest first", async () => {
    const p = await createPipeline(owner.id);
    const base = Date.parse("2024-01-01T00:00:00Z");
    await prisma.run.createMany({
      data: Array.from({ length: 25 }, (_, i) => ({
        pipelineId: p.id,
        userId: owner.id,
        version: 1,
        method: i % 2 ? "POST" : "GET",
        status: i === 24 ? ("REJECTED" as const) : ("QUEUED" as const),
        payload: { n: i, client_name: "Иван" },
        receivedAt: new Date(base + i * 60_000),
      })),
    });
    const list = await listRecentRequests({ userId: owner.id, pipelineId: p.id });
    expect(list).toHaveLength(20);
    expect(list![0]).toMatchObject({
      method: "POST",
      status: "QUEUED",
      receivedAt: new Date(base + 23 * 60_000),
      summary: "n=23, client_name=Иван",
    });
    expect(list![19].summary).toBe("n=4, client_name=Иван");
    const withRejected = await listRecentRequests({ userId: owner.id, pipelineId: p.id, includeRejected: true, limit: 1 });
    expect(withRejected![0].status).toBe("REJECTED");
  });

  it("is scoped by user", async () => {
    const p = await createPipeline(owner.id);
    expect(await listRecentRequests({ userId: stranger.id, pipelineId: p.id })).toBeNull();
    expect(await listRecentRequests({ userId: owner.id, pipelineId: p.id })).toEqual([]);
  });

  it("summarizes long payloads and non-objects", () => {
    expect(summarizePayload({ a: "x".repeat(300) })).toHaveLength(120);
    expect(summarizePayload({ a: { b: 1 }, c: [1] })).toBe('a={"b":1}, c=[1]');
  });
});
