"use client";
import { useState } from "react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useFormatter, useTranslations } from "next-intl";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { StatusBadge } from "@/components/ui/status-badge";
import { api } from "@/components/ui/api";
import { ExportPipelineLink, ImportPipelineButton } from "@/components/kit/pipeline-transfer";

export type PipelineListItem = { id: string; name: string; status: "RUNNING" | "STOPPED"; version: number; stepCount: number; createdAt: string };

export function PipelineList({ pipelines }: { pipelines: PipelineListItem[] }) {
  const t = useTranslations("pipelines");
  const tk = useTranslations("kit");
  const format = useFormatter();
  const router = useRouter();
  const [creating, setCreating] = useState(false);
  const [renaming, setRenaming] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function run(action: () => Promise<unknown>) {
    setError(null);
    try {
      await action();
      router.refresh();
    } catch (err) {
      setError((err as Error).message);
    }
  }

  return (
    <div className="mx-auto max-w-5xl px-8 py-8">
      <div className="mb-6 flex items-center justify-between">
        <h1 className="text-2xl font-semibold tracking-tight">{t("title")}</h1>
        <div className="flex flex-wrap items-center justify-end gap-2">
          <ImportPipelineButton />
          <Link
            href="/pipelines/new"
            data-testid="create-from-template"
            className="inline-flex items-center rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-800 hover:bg-slate-50"
          >
            {tk("fromTemplate")}
          </Link>
          <Button variant="primary" onClick={() => setCreating(true)} data-testid="create-pipeline">
            + {t("create")}
          </Button>
        </div>
      </div>
      {error ? (
        <p role="alert" className="mb-4 rounded-md bg-red-50 px-3 py-2 text-sm text-red-700">
          {error}
        </p>
      ) : null}
      {creating ? (
        <form
          className="mb-6 flex gap-2 rounded-lg border border-slate-200 bg-white p-4"
          onSubmit={(e) => {
            e.preventDefault();
            const name = String(new FormData(e.currentTarget).get("name") ?? "").trim() || t("defaultName");
            void run(async () => {
              const res = await api<{ pipeline: { id: string } }>("/api/v1/pipelines", { body: { name } });
              setCreating(false);
              router.push(`/pipelines/${res.pipeline.id}`);
            });
          }}
        >
          <Input name="name" aria-label={t("newName")} placeholder={t("newName")} autoFocus defaultValue={t("defaultName")} />
          <Button type="submit" variant="primary">
            {t("save")}
          </Button>
          <Button onClick={() => setCreating(false)}>{t("cancel")}</Button>
        </form>
      ) : null}
      {pipelines.length === 0 && !creating ? (
        <div className="rounded-xl border border-dashed border-slate-300 bg-white px-6 py-16 text-center">
          <p className="text-base font-medium text-slate-800">{t("empty")}</p>
          <p className="mt-1 text-sm text-slate-500">{t("emptyHint")}</p>
          <Button variant="primary" className="mt-4" onClick={() => setCreating(true)}>
            + {t("create")}
          </Button>
        </div>
      ) : (
        <ul className="divide-y divide-slate-200 overflow-hidden rounded-xl border border-slate-200 bg-white" data-testid="pipeline-list">
          {pipelines.map((p) => (
            <li key={p.id} className="flex items-center gap-4 px-5 py-3" data-testid="pipeline-row">
              {renaming === p.id ? (
                <form
                  className="flex flex-1 gap-2"
                  onSubmit={(e) => {
                    e.preventDefault();
                    const name = String(new FormData(e.currentTarget).get("name") ?? "");
                    void run(async () => {
                      await api(`/api/v1/pipelines/${p.id}`, { method: "PATCH", body: { name } });
                      setRenaming(null);
                    });
                  }}
                >
                  <Input name="name" aria-label={t("newName")} defaultValue={p.name} autoFocus />
                  <Button type="submit" variant="primary">
                    {t("save")}
                  </Button>
                  <Button onClick={() => setRenaming(null)}>{t("cancel")}</Button>
                </form>
              ) : (
                <>
                  <div className="min-w-0 flex-1">
                    <Link href={`/pipelines/${p.id}`} className="font-medium text-slate-900 hover:text-indigo-700">
                      {p.name}
                    </Link>
                    <div className="text-xs text-slate-500">
                      {t("steps", { count: p.stepCount })} · {t("version", { version: p.version })} · {t("created")}{" "}
                      {format.dateTime(new Date(p.createdAt), { dateStyle: "medium" })}
                    </div>
                  </div>
                  <StatusBadge status={p.status} label={t(`status.${p.status}`)} />
                  <ExportPipelineLink pipelineId={p.id} />
                  <Button variant="ghost" onClick={() => setRenaming(p.id)}>
                    {t("rename")}
                  </Button>
                  <Button
                    variant="danger"
                    onClick={() => {
                      if (confirm(t("confirmDelete", { name: p.name }))) void run(() => api(`/api/v1/pipelines/${p.id}`, { method: "DELETE" }));
                    }}
                  >
                    {t("delete")}
                  </Button>
                </>
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
