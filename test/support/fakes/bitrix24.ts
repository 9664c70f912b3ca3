// A fake Bitrix24 portal with one incoming webhook (/rest/<user>/<code>/): crm.lead.add with JSON
// or form fields, answering like Bitrix — {"result": <id>, "time": …}, or {"error","error_description"}.
import { startFakeServer, type FakeServer, type RecordedRequest, type Reply } from "./http-fake";

export type BitrixLead = { id: number; fields: Record<string, unknown> };
export type FakeBitrix = FakeServer & {
  leads: BitrixLead[];
  /** The webhook URL to give the user. */
  webhookUrl: string;
  /** Requests answered 503 QUERY_LIMIT_EXCEEDED by the leaky bucket. */
  limited: number;
};

/**
 * Bitrix24's REST limit (per portal): a leaky bucket of `burst` requests draining `perSecond` per
 * second; a request that finds it full is answered 503 {"error":"QUERY_LIMIT_EXCEEDED"}.
 * https://apidocs.bitrix24.com/limits.html — 50 and 2/s on ordinary plans.
 */
export type BitrixLimit = { burst: number; perSecond: number };

const time = () => ({
  start: Date.now() / 1000,
  finish: Date.now() / 1000,
  duration: 0.01,
  processing: 0.005,
  date_start: new Date().toISOString(),
  date_finish: new Date().toISOString(),
});

/** fields[PHONE][0][VALUE]=… (a form body) → { PHONE: [{ VALUE: … }] }. */
function unflatten(form: Record<string, string>): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(form)) {
    const parts = key.replace(/\]/g, "").split("[");
    let node: Record<string, unknown> = root;
    parts.forEach((p, i) => {
      if (i === parts.length - 1) node[p] = value;
      else node = (node[p] ??= /^\d+$/.test(parts[i + 1]) ? [] : {}) as Record<string, unknown>;
    });
  }
  return root;
}

export async function startFakeBitrix(opts: { user: string; code: string; port?: number; limit?: BitrixLimit }): Promise<FakeBitrix> {
  const leads: BitrixLead[] = [];
  let nextId = 1000;
  const prefix = `/rest/${opts.user}/${opts.code}/`;
  let level = 0;
  let last = performance.now();
  const state = { limited: 0 };
  const overLimit = (): boolean => {
    if (!opts.limit) return false;
    const now = performance.now();
    level = Math.max(0, level - ((now - last) / 1000) * opts.limit.perSecond);
    last = now;
    if (level + 1 > opts.limit.burst) return true;
    level += 1;
    return false;
  };
  const handle = (req: RecordedRequest): Reply => {
    if (overLimit()) {
      state.limited++;
      return { status: 503, body: { error: "QUERY_LIMIT_EXCEEDED", error_description: "Too many requests" } };
    }
    if (!req.path.startsWith(prefix)) return { status: 401, body: { error: "INVALID_CREDENTIALS", error_description: "Invalid request credentials" } };
    const method = req.path.slice(prefix.length).replace(/\.json$/, "");
    if (method !== "crm.lead.add") return { status: 404, body: { error: "ERROR_METHOD_NOT_FOUND", error_description: "Method not found!" } };
    const body = (typeof req.body === "object" && req.body ? req.body : {}) as Record<string, unknown>;
    const fields = (Array.isArray(body) ? {} : "fields" in body ? body.fields : unflatten(body as Record<string, string>).fields) as
      Record<string, unknown> | undefined;
    if (!fields || typeof fields !== "object") return { status: 400, body: { error: "", error_description: "Parameter 'fields' must be array." } };
    if (!fields.TITLE && !fields.NAME && !fields.LAST_NAME)
      return { status: 400, body: { error: "", error_description: 'Не заполнено обязательное поле "Название лида"' } };
    const id = nextId++;
    leads.push({ id, fields });
    return { status: 200, body: { result: id, time: time() } };
  };
  const server = await startFakeServer(handle, opts.port);
  const fake = Object.assign(server, { leads, webhookUrl: `${server.url}${prefix}` });
  Object.defineProperty(fake, "limited", { get: () => state.limited, enumerable: true });
  return fake as FakeBitrix;
}
