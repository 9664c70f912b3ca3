// The list's URL state (what a link to a filtered history holds) and its translation into the
// API's filter. Presets are relative ("last 24 hours") and resolved when the page is rendered.
export type HistorySearch = {
  pipelineId?: string;
  /** One source of the chosen обработка (docs/sources.md). */
  sourceId?: string;
  status?: string;
  period?: string;
  from?: string;
  to?: string;
  q?: string;
};

export const PERIODS = ["all", "1h", "24h", "7d", "30d", "custom"] as const;
const PERIOD_MS: Record<string, number> = { "1h": 3_600_000, "24h": 86_400_000, "7d": 7 * 86_400_000, "30d": 30 * 86_400_000 };

export function pickSearch(sp: Record<string, string | string[] | undefined>): HistorySearch {
  const one = (k: string) => {
    const v = sp[k];
    const s = Array.isArray(v) ? v[0] : v;
    return s && s.trim() !== "" ? s : undefined;
  };
  return {
    pipelineId: one("pipelineId"),
    sourceId: one("sourceId"),
    status: one("status"),
    period: one("period"),
    from: one("from"),
    to: one("to"),
    q: one("q"),
  };
}

/** The API filter (as query parameters) for a URL state, presets resolved against `now`. */
export function apiParams(s: HistorySearch, now = Date.now()): URLSearchParams {
  const p = new URLSearchParams();
  if (s.pipelineId) p.set("pipelineId", s.pipelineId);
  if (s.pipelineId && s.sourceId) p.set("sourceId", s.sourceId);
  if (s.status) p.set("status", s.status);
  if (s.period && PERIOD_MS[s.period]) p.set("from", new Date(now - PERIOD_MS[s.period]).toISOString());
  else if (s.period === "custom") {
    if (s.from) p.set("from", s.from);
    if (s.to) p.set("to", s.to);
  }
  if (s.q) p.set("q", s.q);
  return p;
}

export function searchHref(s: HistorySearch): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(s)) if (v) p.set(k, v);
  const q = p.toString();
  return q ? `/history?${q}` : "/history";
}

/** The API filter as the JSON body of a bulk re-run. */
export function filterBody(params: URLSearchParams) {
  const out: Record<string, string> = {};
  for (const k of ["pipelineId", "sourceId", "status", "from", "to", "q"]) {
    const v = params.get(k);
    if (v) out[k] = v;
  }
  return out;
}
