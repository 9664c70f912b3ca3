import { getTranslations } from "next-intl/server";
import { pageUserId } from "@/lib/auth";
import { listRuns } from "@/lib/runs/list-runs";
import { listPipelineOptions, listSourceOptions } from "@/lib/runs/list-pipeline-options";
import { runFilterSchema } from "@/lib/runs/run-filter";
import { isUuid } from "@/lib/uuid";
import { filterFromSearchParams } from "@/lib/runs/api-schemas";
import { RunList } from "@/components/history/run-list";
import { RetentionSettings } from "@/components/history/retention-settings";
import { apiParams, pickSearch } from "@/components/history/history-query";

export const dynamic = "force-dynamic";

export default async function HistoryPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const userId = await pageUserId();
  const t = await getTranslations("historyPage");
  const search = pickSearch(await searchParams);
  const pipelines = await listPipelineOptions(userId);
  // A stale or foreign pipeline id in the URL shows the user's whole history, not an error page.
  if (search.pipelineId && (!isUuid(search.pipelineId) || !pipelines.some((p) => p.id === search.pipelineId))) search.pipelineId = undefined;
  // The source filter belongs to the chosen pipeline; a stale source id is dropped the same way.
  const sources = search.pipelineId ? await listSourceOptions(userId, search.pipelineId) : [];
  if (search.sourceId && !sources.some((s) => s.id === search.sourceId)) search.sourceId = undefined;
  const params = apiParams(search);
  const parsed = runFilterSchema.safeParse(Object.fromEntries(params));
  const filter = parsed.success ? filterFromSearchParams(params) : {};
  const initial = await listRuns({ userId, filter });
  const pipeline = pipelines.find((p) => p.id === search.pipelineId);
  return (
    <div className="mx-auto max-w-7xl px-8 py-8">
      <div className="mb-5 flex flex-wrap items-start justify-between gap-4">
        <div>
          <h1 className="text-2xl font-semibold tracking-tight">{t("title")}</h1>
          {pipeline ? <p className="mt-1 text-sm text-slate-500">{pipeline.name}</p> : null}
        </div>
        {pipeline ? (
          <details className="w-80">
            <summary className="cursor-pointer text-right text-sm text-slate-600 hover:text-slate-900">⚙ {t("retention.title")}</summary>
            <div className="mt-2">
              <RetentionSettings pipelineId={pipeline.id} retentionDays={pipeline.retentionDays} storeSuccessPayloads={pipeline.storeSuccessPayloads} />
            </div>
          </details>
        ) : null}
      </div>
      <RunList initial={initial} search={search} apiQuery={params.toString()} pipelines={pipelines.map(({ id, name }) => ({ id, name }))} sources={sources} />
    </div>
  );
}
