// The webhook endpoint as the app serves it, for integration tests: the real hook handler and the
// batched ingest, enqueueing each accepted run into the given runs worker's queue. Import it after
// the test has set REDIS_URL (it loads lib/queue).
import http from "node:http";
import type { Queue } from "bullmq";
import { runJobOptions } from "../../lib/queue/run-queue";
import { createIngester } from "../../lib/webhooks/ingest";
import { createHookHandler } from "../../lib/webhooks/handle-hook";

export type HookServer = { server: http.Server; origin: string };

/** Serves /hooks/<token> on a free local port; runs go to `queue` as the API would put them. */
export async function startHookServer(queue: Queue): Promise<HookServer> {
  const ingester = createIngester({
    enqueue: async (ids) => {
      await queue.addBulk(ids.map((runId) => ({ name: "run", data: { runId }, opts: { ...runJobOptions, jobId: runId } })));
    },
  });
  const handler = createHookHandler({ ingester: () => ingester });
  const server = http.createServer((req, res) => void handler(req, res));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { server, origin: `http://127.0.0.1:${(server.address() as { port: number }).port}` };
}
