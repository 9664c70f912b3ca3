"use client";
// «Хранилище» page: collections on the left, keys of the chosen collection (or all) with search,
// inline edit of the JSON value and its expiry, delete, add, and export as a JSON file.
import { useCallback, useEffect, useRef, useState } from "react";
import { useFormatter, useTranslations } from "next-intl";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { api } from "@/components/ui/api";

type Entry = { collection: string; key: string; value: unknown; expiresAt: string | null; createdAt: string; updatedAt: string };
type Collection = { collection: string; keys: number };

const q = (params: Record<string, string | undefined>) => new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => !!e[1])).toString();

const textareaCls =
  "w-full rounded-md border border-slate-300 bg-white px-3 py-1.5 font-mono text-xs shadow-sm focus:border-indigo-500 focus:outline-none focus:ring-1 focus:ring-indigo-500";

function preview(value: unknown): string {
  const s = typeof value === "string" ? JSON.stringify(value) : JSON.stringify(value);
  return s.length > 160 ? s.slice(0, 159) + "…" : s;
}

/** The typed value as JSON, or the parser's message. */
function parseJson(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    return { ok: false, message: (e as Error).message };
  }
}

export function StoreBrowser(props: { initialCollections: Collection[]; initialEntries: Entry[]; initialNext: string | null }) {
  const t = useTranslations("store");
  const format = useFormatter();
  const [collections, setCollections] = useState(props.initialCollections);
  const [collection, setCollection] = useState<string>("");
  const [search, setSearch] = useState("");
  const [entries, setEntries] = useState(props.initialEntries);
  const [next, setNext] = useState(props.initialNext);
  const [error, setError] = useState<string | null>(null);
  const [editing, setEditing] = useState<string | null>(null);
  const [adding, setAdding] = useState(false);
  const first = useRef(true);

  const load = useCallback(
    async (opts: { after?: string } = {}) => {
      setError(null);
      try {
        const [page, cols] = await Promise.all([
          api<{ entries: Entry[]; next: string | null }>(`/api/v1/store/entries?${q({ collection, search: search.trim(), after: opts.after, limit: "50" })}`),
          opts.after ? Promise.resolve(null) : api<{ collections: Collection[] }>("/api/v1/store/collections"),
        ]);
        setEntries((prev) => (opts.after ? [...prev, ...page.entries] : page.entries));
        setNext(page.next);
        if (cols) setCollections(cols.collections);
      } catch (e) {
        setError((e as Error).message);
      }
    },
    [collection, search],
  );

  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    const timer = setTimeout(() => void load(), 250);
    return () => clearTimeout(timer);
  }, [load]);

  const idOf = (e: Entry) => `${e.collection}\u0000${e.key}`;
  const when = (iso: string) => format.dateTime(new Date(iso), { dateStyle: "short", timeStyle: "short" });

  return (
    <div className="grid gap-4 xl:grid-cols-[13rem_minmax(0,1fr)] xl:gap-6">
      <nav aria-label={t("collections")} className="flex flex-wrap items-center gap-1 xl:block xl:space-y-1" data-testid="store-collections">
        <h2 className="w-full px-2 text-xs font-semibold uppercase tracking-wide text-slate-500 xl:w-auto">{t("collections")}</h2>
        <CollectionButton active={collection === ""} onClick={() => setCollection("")} label={t("all")} count={collections.reduce((n, c) => n + c.keys, 0)} />
        {collections.map((c) => (
          <CollectionButton
            key={c.collection}
            active={collection === c.collection}
            onClick={() => setCollection(c.collection)}
            label={c.collection}
            count={c.keys}
          />
        ))}
        {collections.length === 0 ? <p className="px-2 text-sm text-slate-500">{t("noCollections")}</p> : null}
      </nav>

      <section className="min-w-0 space-y-3">
        <div className="flex flex-wrap items-center gap-2">
          <Input
            type="search"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
            placeholder={t("searchPlaceholder")}
            aria-label={t("search")}
            className="max-w-sm"
            data-testid="store-search"
          />
          <span className="flex-1" />
          <Button onClick={() => setAdding((v) => !v)} data-testid="store-add">
            {t("add")}
          </Button>
          <a
            href={`/api/v1/store/export?${q({ collection })}`}
            download
            className="inline-flex items-center rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-800 hover:bg-slate-50"
            data-testid="store-export"
          >
            ⤓ {collection ? t("exportCollection") : t("exportAll")}
          </a>
          {collection ? (
            <Button
              variant="danger"
              onClick={async () => {
                if (!confirm(t("confirmDeleteCollection", { name: collection }))) return;
                try {
                  await api(`/api/v1/store/collections?${q({ collection })}`, { method: "DELETE" });
                  setCollection("");
                  await load();
                } catch (e) {
                  setError((e as Error).message);
                }
              }}
            >
              {t("deleteCollection")}
            </Button>
          ) : null}
        </div>
        {error ? (
          <p role="alert" className="text-sm text-red-700">
            {error}
          </p>
        ) : null}
        {adding ? (
          <EntryForm
            initial={{ collection, key: "", valueText: "", ttlMinutes: "" }}
            isNew
            onCancel={() => setAdding(false)}
            onSaved={async () => {
              setAdding(false);
              await load();
            }}
          />
        ) : null}

        <div className="overflow-hidden rounded-xl border border-slate-200 bg-white">
          <table className="w-full table-fixed text-sm" data-testid="store-entries">
            <thead className="bg-slate-50 text-left text-xs text-slate-500">
              <tr>
                <th className="w-32 px-3 py-2 font-medium">{t("collection")}</th>
                <th className="w-40 px-3 py-2 font-medium">{t("key")}</th>
                <th className="px-3 py-2 font-medium">{t("value")}</th>
                <th className="w-28 px-3 py-2 font-medium">{t("expires")}</th>
                <th className="w-44 px-3 py-2">
                  <span className="sr-only">{t("actions")}</span>
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {entries.length === 0 ? (
                <tr>
                  <td colSpan={5} className="px-3 py-6 text-center text-slate-500">
                    {search ? t("nothingFound") : t("empty")}
                  </td>
                </tr>
              ) : null}
              {entries.map((e) =>
                editing === idOf(e) ? (
                  <tr key={idOf(e)}>
                    <td colSpan={5} className="px-3 py-3">
                      <EntryForm
                        initial={{
                          collection: e.collection,
                          key: e.key,
                          valueText: JSON.stringify(e.value, null, 2),
                          ttlMinutes: e.expiresAt ? String(Math.max(1, Math.ceil((new Date(e.expiresAt).getTime() - Date.now()) / 60_000))) : "",
                        }}
                        onCancel={() => setEditing(null)}
                        onSaved={async () => {
                          setEditing(null);
                          await load();
                        }}
                      />
                    </td>
                  </tr>
                ) : (
                  <tr key={idOf(e)} data-testid="store-entry" data-key={e.key}>
                    <td className="truncate px-3 py-2 text-slate-600" title={e.collection}>
                      {e.collection}
                    </td>
                    <td className="truncate px-3 py-2 font-mono text-xs text-slate-900" title={e.key}>
                      {e.key}
                    </td>
                    <td className="truncate px-3 py-2 font-mono text-xs text-slate-700" title={JSON.stringify(e.value)} data-testid="store-value">
                      {preview(e.value)}
                    </td>
                    <td className="px-3 py-2 text-xs text-slate-500">{e.expiresAt ? when(e.expiresAt) : t("never")}</td>
                    <td className="px-3 py-2 text-right">
                      <div className="flex justify-end gap-1">
                        <Button className="px-2 py-1 text-xs" onClick={() => setEditing(idOf(e))}>
                          {t("edit")}
                        </Button>
                        <Button
                          variant="danger"
                          className="px-2 py-1 text-xs"
                          onClick={async () => {
                            if (!confirm(t("confirmDelete", { key: e.key }))) return;
                            try {
                              await api(`/api/v1/store/entry?${q({ collection: e.collection, key: e.key })}`, { method: "DELETE" });
                              await load();
                            } catch (err) {
                              setError((err as Error).message);
                            }
                          }}
                        >
                          {t("delete")}
                        </Button>
                      </div>
                    </td>
                  </tr>
                ),
              )}
            </tbody>
          </table>
        </div>
        {next ? <Button onClick={() => void load({ after: next })}>{t("more")}</Button> : null}
        <p className="text-xs text-slate-500">{t("limits")}</p>
      </section>
    </div>
  );
}

function CollectionButton({ active, onClick, label, count }: { active: boolean; onClick: () => void; label: string; count: number }) {
  return (
    <button
      type="button"
      onClick={onClick}
      aria-pressed={active}
      className={`flex max-w-full items-center gap-2 rounded-md px-2 py-1.5 text-left text-sm xl:w-full ${active ? "bg-indigo-50 font-medium text-indigo-700" : "text-slate-700 hover:bg-slate-50"}`}
    >
      <span className="min-w-0 max-w-[16rem] flex-1 truncate xl:max-w-none" title={label}>
        {label}
      </span>
      <span className="text-xs text-slate-400">{count}</span>
    </button>
  );
}

function EntryForm(props: {
  initial: { collection: string; key: string; valueText: string; ttlMinutes: string };
  isNew?: boolean;
  onCancel: () => void;
  onSaved: () => Promise<void>;
}) {
  const t = useTranslations("store");
  const [collection, setCollection] = useState(props.initial.collection);
  const [key, setKey] = useState(props.initial.key);
  const [valueText, setValueText] = useState(props.initial.valueText);
  const [ttl, setTtl] = useState(props.initial.ttlMinutes);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <form
      className="space-y-2 rounded-lg border border-indigo-200 bg-indigo-50/40 p-3"
      data-testid="store-entry-form"
      onSubmit={async (ev) => {
        ev.preventDefault();
        setError(null);
        const parsed = parseJson(valueText);
        if (!parsed.ok) return setError(t("badJson", { message: parsed.message }));
        const minutes = ttl.trim() === "" ? null : Number(ttl);
        if (minutes !== null && (!Number.isInteger(minutes) || minutes < 1)) return setError(t("badTtl"));
        setBusy(true);
        try {
          await api(`/api/v1/store/entry?${q({ collection: collection.trim(), key })}`, {
            method: "PUT",
            body: { value: parsed.value, ttlSeconds: minutes === null ? null : minutes * 60 },
          });
          await props.onSaved();
        } catch (e) {
          setError((e as Error).message);
        } finally {
          setBusy(false);
        }
      }}
    >
      {props.isNew ? (
        <div className="grid grid-cols-2 gap-2">
          <label className="space-y-1 text-sm">
            <span className="block font-medium text-slate-700">{t("collection")}</span>
            <Input value={collection} onChange={(e) => setCollection(e.target.value)} required maxLength={100} data-testid="store-form-collection" />
          </label>
          <label className="space-y-1 text-sm">
            <span className="block font-medium text-slate-700">{t("key")}</span>
            <Input value={key} onChange={(e) => setKey(e.target.value)} required maxLength={256} data-testid="store-form-key" />
          </label>
        </div>
      ) : (
        <p className="text-sm text-slate-700">
          {props.initial.collection} › <span className="font-mono">{props.initial.key}</span>
        </p>
      )}
      <label className="block space-y-1 text-sm">
        <span className="block font-medium text-slate-700">{t("valueJson")}</span>
        <textarea
          value={valueText}
          onChange={(e) => {
            setValueText(e.target.value);
            setError(null);
          }}
          rows={5}
          className={textareaCls}
          data-testid="store-form-value"
          spellCheck={false}
        />
      </label>
      <label className="block space-y-1 text-sm">
        <span className="block font-medium text-slate-700">{t("ttl")}</span>
        <span className="block w-56">
          <Input type="number" min={1} value={ttl} onChange={(e) => setTtl(e.target.value)} placeholder={t("ttlPlaceholder")} data-testid="store-form-ttl" />
        </span>
      </label>
      {error ? (
        <p role="alert" className="text-sm text-red-700">
          {error}
        </p>
      ) : null}
      <div className="flex gap-2">
        <Button type="submit" variant="primary" disabled={busy} data-testid="store-form-save">
          {t("save")}
        </Button>
        <Button onClick={props.onCancel}>{t("cancel")}</Button>
      </div>
    </form>
  );
}
