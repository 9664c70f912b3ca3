// Shared setup for the webhook integration tests: own users, pipelines and queues per test file,
// so files running in parallel on the same database and Redis never see each other's data.
import type http from "node:http";
import { createHttpServer } from "../../lib/http-server";
import type { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";
import { Queue } from "bullmq";
import { prisma } from "../../lib/db";
import { redisConnection } from "../../lib/queue/connection";
import { runJobOptions } from "../../lib/queue/run-queue";
import { newWebhookToken } from "../../lib/pipelines/rotate-webhook-token";

export async function createUser(): Promise<{ id: string; email: string }> {
  const email = `webhooks-${randomUUID()}@test.local`;
  return prisma.user.create({ data: { email, passwordHash: "x" }, select: { id: true, email: true } });
}

export async function createPipeline(
  userId: string,
  status: "RUNNING" | "STOPPED" = "RUNNING",
  version = 1,
): Promise<{ id: string; webhookToken: string; version: number }> {
  const webhookToken = newWebhookToken();
  const id = randomUUID();
  const p = await prisma.pipeline.create({
    data: {
      id,
      userId,
      name: "Клиентикс → Weeek",
      status,
      version,
      webhookToken,
      definition: { sourceFields: [], steps: [] },
      // A definition without `sources` has one source whose id is the pipeline's (docs/sources.md).
      sources: { create: { id, userId, token: webhookToken, name: "Вебхук" } },
    },
    select: { id: true, webhookToken: true, version: true },
  });
  return p;
}

/** A queue of its own with the same job options as the real one: enqueue(ids) as enqueueRuns does. */
export function privateRunQueue(): { queue: Queue; enqueue: (ids: string[]) => Promise<void>; close: () => Promise<void> } {
  const queue = new Queue(`test-webhooks-${randomUUID()}`, {
    connection: redisConnection(undefined, { enableOfflineQueue: false }),
  });
  queue.on("error", () => undefined);
  return {
    queue,
    enqueue: async (ids) => {
      await queue.addBulk(ids.map((runId) => ({ name: "run", data: { runId }, opts: { ...runJobOptions, jobId: runId } })));
    },
    close: async () => {
      await queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close();
    },
  };
}

export async function startServer(
  handler: (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>,
): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createHttpServer((req, res) => void handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
