import { getFormatter, getTranslations } from "next-intl/server";
import { publicWorkerHealth, type WorkerHealthReport } from "@/lib/runs/worker-health";

export async function WorkerHealthSection({ report }: { report: WorkerHealthReport }) {
  const t = await getTranslations("settings");
  const format = await getFormatter();
  const ts = await getTranslations("security");
  return (
    <section className="rounded-xl border border-slate-200 bg-white p-6" data-testid="worker-health">
      <h2 className="text-base font-semibold">{t("workers")}</h2>
      {!report.reachable ? (
        <p className="mt-2 text-sm text-red-700">{t("redisDown")}</p>
      ) : report.workers.length === 0 ? (
        <p className="mt-2 text-sm text-amber-700">{t("noWorkers")}</p>
      ) : (
        <ul className="mt-3 divide-y divide-slate-100 text-sm">
          {report.workers.map(publicWorkerHealth).map((w, i) => (
            <li key={w.id} className="flex flex-wrap items-center gap-x-4 gap-y-1 py-2">
              <span className="inline-flex items-center gap-1.5 font-medium">
                <span className="h-2 w-2 rounded-full bg-emerald-500" />
                {ts("worker", { n: i + 1 })} <code className="text-xs font-normal text-slate-400">{w.id}</code>
              </span>
              <span className="text-slate-500">
                {t("heartbeat")}: {format.relativeTime(new Date(w.lastSeen))}
              </span>
              <span className="text-slate-500">
                {t("processed")}: {w.processed} · {t("failedJobs")}: {w.failed} · {t("active")}: {w.active}/{w.concurrency}
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
