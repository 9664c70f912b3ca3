import Link from "next/link";
import { notFound } from "next/navigation";
import { getTranslations } from "next-intl/server";
import { pageUserId } from "@/lib/auth";
import { getRunVersion } from "@/lib/runs/get-run-version";
import { JsonView } from "@/components/history/json-view";

export const dynamic = "force-dynamic";

/** The definition a run executed: what the pipeline looked like then, whatever it is now. */
export default async function RunVersionPage({ params }: { params: Promise<{ runId: string }> }) {
  const { runId } = await params;
  const userId = await pageUserId();
  const v = await getRunVersion(userId, runId);
  if (!v) notFound();
  const t = await getTranslations("historyPage");
  const steps = (v.definition as { steps?: { id: string; type: string; name?: string; config?: unknown }[] } | null)?.steps ?? [];
  return (
    <div className="mx-auto max-w-5xl space-y-4 px-8 py-8">
      <Link href={`/history/${v.runId}`} className="text-sm text-slate-500 hover:text-slate-800">
        ← {t("run")}
      </Link>
      <h1 className="text-2xl font-semibold tracking-tight" data-testid="version-title">
        {t("versionTitle", { name: v.pipeline.name, version: v.version })}
      </h1>
      <p className="text-sm text-slate-500">
        {t("currentVersion", { version: v.pipeline.currentVersion })} ·{" "}
        <Link href={`/pipelines/${v.pipeline.id}`} className="text-indigo-700 hover:underline">
          {v.pipeline.name}
        </Link>
      </p>
      {v.definition === null ? (
        <p className="text-sm text-slate-500">{t("versionMissing")}</p>
      ) : (
        <>
          <ol className="space-y-2">
            {steps.map((s, i) => (
              <li key={s.id}>
                <JsonView title={`${i + 1}. ${s.name || s.type} (${s.type})`} value={s.config ?? {}} />
              </li>
            ))}
          </ol>
          <JsonView title="definition.json" value={v.definition} />
        </>
      )}
    </div>
  );
}
