// What a starter-kit integration test drives (the kit, the runs worker, the webhook endpoint and the
// fake destinations). Imported on demand, after the test has set REDIS_URL: these modules read the
// environment when they load.
export async function importKitRuntime() {
  const [db, kit, status, runsWorker, outbound, runQueue, hookServer, amo, bitrix, telegram] = await Promise.all([
    import("../../lib/db"),
    import("../../lib/starter-kits/create-from-kit"),
    import("../../lib/pipelines/set-pipeline-status"),
    import("../../worker/runs-worker"),
    import("../../lib/security/outbound-http"),
    import("../../lib/queue/run-queue"),
    import("./hook-server"),
    import("./fakes/amocrm"),
    import("./fakes/bitrix24"),
    import("./fakes/telegram"),
  ]);
  /** The three fake destinations of the kits (amoCRM, Битрикс24, Telegram), started together. */
  const startKitFakes = (c: { amoToken: string; bitrixCode: string; botToken: string; chat: string }) =>
    Promise.all([
      amo.startFakeAmo({ token: c.amoToken }),
      bitrix.startFakeBitrix({ user: "1", code: c.bitrixCode }),
      telegram.startFakeTelegram({ token: c.botToken, chats: [c.chat] }),
    ]);
  /** A runs worker on the test's Redis that may call the local fakes; no maintenance or heartbeat timers. */
  const startKitRunsWorker = (redisUrl: string, logs?: string[]) =>
    runsWorker.startRunsWorker({
      redisUrl,
      concurrency: 4,
      executor: {
        http: outbound.createOutboundHttp({ allowlist: "127.0.0.1" }),
        ...(logs ? { log: (m: string, d?: Record<string, unknown>) => void logs.push(m + (d ? JSON.stringify(d) : "")) } : {}),
      },
      maintenance: false,
      heartbeat: false,
      log: logs ? (m: string) => void logs.push(m) : () => undefined,
    });
  return {
    startKitFakes,
    startKitRunsWorker,
    prisma: db.prisma,
    closeDb: db.closeDb,
    createPipelineFromKit: kit.createPipelineFromKit,
    setPipelineStatus: status.setPipelineStatus,
    startRunsWorker: runsWorker.startRunsWorker,
    createOutboundHttp: outbound.createOutboundHttp,
    closeQueues: runQueue.closeQueues,
    startHookServer: hookServer.startHookServer,
    startFakeAmo: amo.startFakeAmo,
    startFakeBitrix: bitrix.startFakeBitrix,
    startFakeTelegram: telegram.startFakeTelegram,
    tooManyRequests: telegram.tooManyRequests,
  };
}
