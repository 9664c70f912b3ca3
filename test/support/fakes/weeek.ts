// A fake Weeek CRM API (public v1) for tests: the routes the Klientiks → Weeek template uses,
// answering with Weeek's shapes, status codes and validation errors.
import http from "node:http";
import { randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";

export type FakeContact = { id: string; firstName: string; lastName: string; middleName: string; emails: string[]; phones: string[]; createdAt: string };
export type FakeDeal = { id: string; title: string; amount: number; statusId: string; description: string; contacts: string[]; createdAt: string };
export type FakeRequest = { method: string; path: string; headers: http.IncomingHttpHeaders; body: unknown };

export type FakeWeeekState = {
  funnels: { id: string; name: string; statuses: { id: string; name: string }[] }[];
  contacts: FakeContact[];
  deals: FakeDeal[];
  links: { dealId: string; contactId: string }[];
  requests: FakeRequest[];
  /** Requests per route key, e.g. "POST /crm/contacts". */
  counters: Record<string, number>;
};

export type FakeWeeek = {
  url: string;
  state: FakeWeeekState;
  /** The next request to `route` ("POST /crm/contacts", or "*") answers with this status and body. */
  failNext(route: string, status: number, body?: unknown, headers?: Record<string, string>): void;
  /** The next request waits this long before answering. */
  delayNext(ms: number): void;
  /** Every request waits this long before answering (a slow CRM; 0 turns it off). */
  delayAll(ms: number): void;
  /**
   * Keeps only the newest `keep` contacts, deals and links, and no request log (a long benchmark:
   * the fake's memory stays flat). Older ids are then unknown, as if deleted in Weeek.
   */
  trim(keep: number): void;
  close(): Promise<void>;
};

const PREFIX = "/public/v1";

export async function startFakeWeeek(opts: { token: string; port?: number }): Promise<FakeWeeek> {
  const statusIds = [randomUUID(), randomUUID(), randomUUID()];
  const state: FakeWeeekState = {
    funnels: [
      {
        id: randomUUID(),
        name: "Продажи",
        statuses: [
          { id: statusIds[0], name: "Новая" },
          { id: statusIds[1], name: "В работе" },
          { id: statusIds[2], name: "Успешно" },
        ],
      },
    ],
    contacts: [],
    deals: [],
    links: [],
    requests: [],
    counters: {},
  };
  const failures: { route: string; status: number; body: unknown; headers: Record<string, string> }[] = [];
  // Lookups by id (a link names its deal and contact): a scan of the lists cost a benchmark of
  // thousands of runs more CPU than the rest of the fake (docs/scaling.md «Round 12»).
  const contactIds = new Set<string>();
  const dealsById = new Map<string, FakeDeal>();
  let delay = 0;
  let delayEvery = 0;

  const send = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
    res.end(text);
  };
  // Laravel's answer (Weeek runs on it): the first message, "(and N more errors)", then all of them.
  const invalid = (res: http.ServerResponse, errors: Record<string, string[]>) => {
    const all = Object.values(errors).flat();
    const more = all.length - 1;
    const message = more > 0 ? `${all[0]} (and ${more} more error${more > 1 ? "s" : ""})` : all[0];
    return send(res, 422, { message, errors });
  };
  const notFound = (res: http.ServerResponse, what: string) => send(res, 404, { success: false, message: `${what} not found` });

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      const path = (req.url ?? "/").split("?")[0];
      let body: unknown = raw;
      if (raw && /json/.test(String(req.headers["content-type"]))) {
        try {
          body = JSON.parse(raw);
        } catch {
          state.requests.push({ method: req.method ?? "", path, headers: req.headers, body: raw });
          return send(res, 400, { success: false, message: "Malformed JSON" });
        }
      }
      state.requests.push({ method: req.method ?? "", path, headers: req.headers, body });
      const route = routeKey(req.method ?? "", path);
      state.counters[route] = (state.counters[route] ?? 0) + 1;

      if (delay > 0 || delayEvery > 0) {
        const ms = delay || delayEvery;
        delay = 0;
        await new Promise((r) => setTimeout(r, ms));
      }
      const fi = failures.findIndex((f) => f.route === route || f.route === "*");
      if (fi >= 0) {
        const [f] = failures.splice(fi, 1);
        return send(res, f.status, f.body ?? { success: false, message: `HTTP ${f.status}` }, f.headers);
      }
      if (req.headers.authorization !== `Bearer ${opts.token}`) return send(res, 401, { success: false, message: "Unauthorized" });
      handle(req.method ?? "", path, body, res);
    });
  });

  function handle(method: string, path: string, body: unknown, res: http.ServerResponse) {
    const b = (body && typeof body === "object" ? body : {}) as Record<string, unknown>;
    let m: RegExpExecArray | null;
    if (method === "GET" && path === `${PREFIX}/crm/funnels`) {
      return send(res, 200, { success: true, funnels: state.funnels.map(({ id, name }) => ({ id, name })) });
    }
    if (method === "GET" && (m = new RegExp(`^${PREFIX}/crm/funnels/([^/]+)/statuses$`).exec(path))) {
      const funnel = state.funnels.find((f) => f.id === m![1]);
      if (!funnel) return notFound(res, "Funnel");
      return send(res, 200, { success: true, statuses: funnel.statuses });
    }
    if (method === "POST" && path === `${PREFIX}/crm/contacts`) {
      // Laravel turns "" into null before validating (ConvertEmptyStringsToNull), so an empty
      // e-mail fails as «The emails.0 field must be a string.» — what a client without an e-mail
      // used to get.
      const errors: Record<string, string[]> = {};
      const blank = (v: unknown) => v === undefined || v === null || (typeof v === "string" && v.trim() === "");
      if (blank(b.firstName) && blank(b.lastName)) errors.firstName = ["The first name field is required when last name is not present."];
      for (const key of ["firstName", "lastName", "middleName"]) {
        if (b[key] !== undefined && (typeof b[key] !== "string" || blank(b[key]))) errors[key] = [`The ${key} field must be a string.`];
      }
      for (const key of ["emails", "phones"]) {
        const v = b[key];
        if (v === undefined) continue;
        if (!Array.isArray(v)) {
          errors[key] = [`The ${key} field must be an array.`];
          continue;
        }
        v.forEach((x, i) => {
          if (typeof x !== "string" || blank(x)) errors[`${key}.${i}`] = [`The ${key}.${i} field must be a string.`];
          else if (key === "emails" && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(x)) errors[`${key}.${i}`] = [`The ${key}.${i} field must be a valid email address.`];
        });
      }
      if (Object.keys(errors).length) return invalid(res, errors);
      const contact: FakeContact = {
        id: randomUUID(),
        firstName: String(b.firstName ?? ""),
        lastName: String(b.lastName ?? ""),
        middleName: String(b.middleName ?? ""),
        emails: (b.emails as string[] | undefined) ?? [],
        phones: (b.phones as string[] | undefined) ?? [],
        createdAt: new Date().toISOString(),
      };
      state.contacts.push(contact);
      contactIds.add(contact.id);
      return send(res, 200, { success: true, contact });
    }
    if (method === "POST" && (m = new RegExp(`^${PREFIX}/crm/statuses/([^/]+)/deals$`).exec(path))) {
      const statusId = decodeURIComponent(m[1]);
      if (!state.funnels.some((f) => f.statuses.some((s) => s.id === statusId))) return notFound(res, "Status");
      const errors: Record<string, string[]> = {};
      if (typeof b.title !== "string" || b.title.trim() === "") errors.title = ["The title field is required."];
      if (b.amount !== undefined && (typeof b.amount !== "number" || !Number.isFinite(b.amount))) errors.amount = ["The amount field must be a number."];
      if (b.description !== undefined && (typeof b.description !== "string" || b.description.trim() === ""))
        errors.description = ["The description field must be a string."];
      if (Object.keys(errors).length) return invalid(res, errors);
      const deal: FakeDeal = {
        id: randomUUID(),
        title: String(b.title),
        amount: (b.amount as number | undefined) ?? 0,
        statusId,
        description: String(b.description ?? ""),
        contacts: [],
        createdAt: new Date().toISOString(),
      };
      state.deals.push(deal);
      dealsById.set(deal.id, deal);
      return send(res, 200, { success: true, deal });
    }
    if (method === "POST" && (m = new RegExp(`^${PREFIX}/crm/deals/([^/]+)/contacts$`).exec(path))) {
      const deal = dealsById.get(decodeURIComponent(m[1]));
      if (!deal) return notFound(res, "Deal");
      if (typeof b.contactId !== "string" || b.contactId === "") return invalid(res, { contactId: ["The contact id field is required."] });
      if (!contactIds.has(b.contactId)) return notFound(res, "Contact");
      deal.contacts.push(b.contactId);
      state.links.push({ dealId: deal.id, contactId: b.contactId });
      return send(res, 200, { success: true });
    }
    return send(res, 404, { success: false, message: "Not found" });
  }

  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    state,
    failNext(route, status, body, headers = {}) {
      failures.push({ route, status, body, headers });
    },
    delayNext(ms) {
      delay = ms;
    },
    delayAll(ms) {
      delayEvery = ms;
    },
    trim(keep) {
      state.requests.length = 0;
      for (const c of state.contacts.splice(0, Math.max(0, state.contacts.length - keep))) contactIds.delete(c.id);
      for (const d of state.deals.splice(0, Math.max(0, state.deals.length - keep))) dealsById.delete(d.id);
      state.links.splice(0, Math.max(0, state.links.length - keep));
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** "POST /public/v1/crm/statuses/<id>/deals" → "POST /crm/statuses/:id/deals". */
function routeKey(method: string, path: string): string {
  const p = path.replace(PREFIX, "").replace(/\/(statuses|deals|funnels)\/[^/]+/g, "/$1/:id");
  return `${method} ${p}`;
}
