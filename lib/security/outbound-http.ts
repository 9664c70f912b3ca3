// ctx.http for the worker and «Проверить шаг»: outbound requests with an SSRF guard.
//
// Users type arbitrary URLs, and the worker sits inside the operator's network, so by default no
// request may reach loopback, private, link-local (cloud metadata 169.254.169.254), CGNAT,
// multicast or reserved addresses — checked for every resolved address, for IPv4-mapped and
// NAT64/6to4 IPv6 forms, and again on every redirect. The socket connects to the address that was
// checked (custom `lookup`), so a DNS answer cannot change between check and connect.
// OUTBOUND_ALLOWLIST ("host[:port],…") lets an operator reach chosen internal services.
import http from "node:http";
import https from "node:https";
import dns from "node:dns/promises";
import net from "node:net";
import zlib from "node:zlib";
import type { Readable } from "node:stream";
import iconv from "iconv-lite";
import { NEVER_ABORTED, OutboundError, type HttpClient, type HttpRequest, type HttpResponse } from "../actions/define-action";
import { env } from "../env";

export type AllowEntry = { host: string; port?: number };
export type ResolvedAddress = { address: string; family: number };

export type OutboundOptions = {
  /** host[:port] entries (or the raw comma list) that bypass the address check. */
  allowlist?: string | AllowEntry[];
  maxResponseBytes?: number;
  maxRedirects?: number;
  /** DNS, injectable for tests. Defaults to dns.lookup(host, { all: true }). */
  resolve?: (hostname: string) => Promise<ResolvedAddress[]>;
  userAgent?: string;
};

const DEFAULT_MAX_BYTES = 5 * 1024 * 1024;
// On a redirect to another origin (scheme, host or port) these headers stay behind: by name (the
// usual auth headers and anything named like a key, token, secret, password, session or
// signature) and by value (any header carrying a credential's value, whatever its name).
const CREDENTIAL_HEADER_NAME = /^(authorization|proxy-authorization|cookie)$|api[-_]?key|token|secret|passw|session|signature|auth/i;

/** The headers that may follow a redirect to another origin. */
export function headersForOtherOrigin(headers: Record<string, string>, secretValues: string[] = []): Record<string, string> {
  const secrets = secretValues.filter((v) => v.length > 0);
  return Object.fromEntries(
    Object.entries(headers).filter(([k, v]) => !CREDENTIAL_HEADER_NAME.test(k) && !secrets.some((s) => v === s || (s.length >= 4 && v.includes(s)))),
  );
}

export function parseAllowlist(list: string): AllowEntry[] {
  return list
    .split(",")
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean)
    .map((item) => {
      const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(item);
      if (v6) return { host: v6[1], ...(v6[2] ? { port: Number(v6[2]) } : {}) };
      const m = /^([^:]+):(\d+)$/.exec(item);
      if (m) return { host: m[1], port: Number(m[2]) };
      return { host: item };
    });
}

// ---- address classification ----

function v4ToInt(ip: string): number | null {
  const parts = ip.split(".");
  if (parts.length !== 4) return null;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return null;
    n = n * 256 + Number(p);
  }
  return n;
}

const V4_BLOCKED: [string, number][] = [
  ["0.0.0.0", 8], // "this network"
  ["10.0.0.0", 8],
  ["100.64.0.0", 10], // CGNAT
  ["127.0.0.0", 8],
  ["169.254.0.0", 16], // link-local, cloud metadata
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.88.99.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved, incl. 255.255.255.255
];
const V4_RANGES = V4_BLOCKED.map(([base, bits]) => {
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return { net: (v4ToInt(base)! & mask) >>> 0, mask };
});

function v4Blocked(n: number): boolean {
  return V4_RANGES.some((r) => (n & r.mask) >>> 0 === r.net);
}

function v6ToBigInt(ip: string): bigint | null {
  let s = ip
    .replace(/^\[|\]$/g, "")
    .split("%")[0]
    .toLowerCase();
  const lastColon = s.lastIndexOf(":");
  if (s.includes(".")) {
    const v4 = v4ToInt(s.slice(lastColon + 1));
    if (v4 === null) return null;
    s = `${s.slice(0, lastColon + 1)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const halves = s.split("::");
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(":") : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(":") : [];
  const fill = halves.length === 2 ? 8 - head.length - tail.length : 0;
  if (fill < 0 || (halves.length === 1 && head.length !== 8)) return null;
  const groups = [...head, ...Array(fill).fill("0"), ...tail];
  if (groups.length !== 8) return null;
  let n = 0n;
  for (const g of groups) {
    if (!/^[0-9a-f]{1,4}$/.test(g)) return null;
    n = (n << 16n) | BigInt(parseInt(g, 16));
  }
  return n;
}

function inV6(n: bigint, prefix: string, bits: number): boolean {
  const base = v6ToBigInt(prefix)!;
  const shift = BigInt(128 - bits);
  return n >> shift === base >> shift;
}

/** True when `ip` must not be reached without an allowlist entry. Unparseable counts as blocked. */
export function isBlockedAddress(ip: string): boolean {
  if (net.isIPv4(ip)) return v4Blocked(v4ToInt(ip)!);
  const n = v6ToBigInt(ip);
  if (n === null) return true;
  const embedded = (shift: bigint) => Number((n >> shift) & 0xffffffffn);
  if (inV6(n, "::ffff:0:0", 96)) return v4Blocked(embedded(0n)); // IPv4-mapped
  if (inV6(n, "64:ff9b::", 96)) return v4Blocked(embedded(0n)); // NAT64
  if (inV6(n, "2002::", 16)) return v4Blocked(embedded(80n)); // 6to4
  return (
    inV6(n, "::", 96) || // unspecified, loopback, IPv4-compatible
    inV6(n, "64:ff9b:1::", 48) ||
    inV6(n, "100::", 64) ||
    inV6(n, "2001::", 32) || // Teredo hides an IPv4 address
    inV6(n, "2001:db8::", 32) ||
    inV6(n, "fc00::", 7) ||
    inV6(n, "fe80::", 10) ||
    inV6(n, "fec0::", 10) ||
    inV6(n, "ff00::", 8)
  );
}

// ---- the client ----

function defaultPort(u: URL): number {
  return u.port ? Number(u.port) : u.protocol === "https:" ? 443 : 80;
}

function bareHost(u: URL): string {
  return u.hostname.replace(/^\[|\]$/g, "").toLowerCase();
}

// Parsed request URLs by text: a step sends to the same address run after run. The URL objects
// are never mutated (a redirect makes a new one), so one may serve every request for its text.
const MAX_PARSED_URLS = 256;
const parsedUrls = new Map<string, URL>();

function parsedUrl(text: string): URL {
  let u = parsedUrls.get(text);
  if (!u) {
    u = new URL(text);
    if (parsedUrls.size >= MAX_PARSED_URLS) parsedUrls.clear();
    parsedUrls.set(text, u);
  }
  return u;
}

function entryMatches(e: AllowEntry, host: string, port: number): boolean {
  return e.host === host && (e.port === undefined || e.port === port);
}

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${+(n / 1024 / 1024).toFixed(1)} МиБ`;
  if (n >= 1024) return `${+(n / 1024).toFixed(1)} КиБ`;
  return `${n} Б`;
}

/**
 * The socket's lookup answers with the address checkTarget resolved (no second DNS answer to race
 * the check). Made outside the request's scope on purpose: the agent keeps the options a socket
 * was created with (its 'free' listener) for the socket's whole life, and a closure made inside
 * `once()` would keep that first request — its body, its response and the run it belonged to —
 * alive as long as the kept-alive connection (measured: 200 runs held by 200 idle sockets).
 */
function lookupOf(target: ResolvedAddress): net.LookupFunction {
  return ((_h: string, opts: { all?: boolean }, cb: (...a: unknown[]) => void) => {
    if (opts?.all) cb(null, [target]);
    else cb(null, target.address, target.family);
  }) as unknown as net.LookupFunction;
}

const agents = {
  http: new http.Agent({ keepAlive: true }),
  https: new https.Agent({ keepAlive: true }),
};

export function createOutboundHttp(options: OutboundOptions = {}): HttpClient {
  const allow = typeof options.allowlist === "string" ? parseAllowlist(options.allowlist) : (options.allowlist ?? []);
  const maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_BYTES;
  const maxRedirects = options.maxRedirects ?? 5;
  const resolve = options.resolve ?? ((h: string) => dns.lookup(h, { all: true, verbatim: true }));
  const userAgent = options.userAgent ?? "Hookflow/0.1 (+webhook automation)";

  async function checkTarget(u: URL): Promise<ResolvedAddress> {
    const host = bareHost(u);
    const port = defaultPort(u);
    const byName = allow.some((e) => entryMatches(e, host, port));
    let addrs: ResolvedAddress[];
    if (net.isIP(host)) addrs = [{ address: host, family: net.isIP(host) }];
    else {
      try {
        addrs = await resolve(host);
      } catch (e) {
        throw new OutboundError("network", `Не удалось найти адрес ${host}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      if (addrs.length === 0) throw new OutboundError("network", `Не удалось найти адрес ${host}`);
    }
    if (byName) return addrs[0];
    for (const a of addrs) {
      const byIp = allow.some((e) => entryMatches(e, a.address.toLowerCase(), port));
      if (!byIp && isBlockedAddress(a.address)) {
        const shown = a.address === host ? host : `${host} (${a.address})`;
        throw new OutboundError(
          "blocked",
          `Адрес ${shown} запрещён: запросы во внутреннюю сеть заблокированы. Чтобы разрешить его, добавьте ${host}:${port} в OUTBOUND_ALLOWLIST`,
        );
      }
    }
    return addrs[0];
  }

  // A kept-alive socket the other side has just closed (its idle timeout, e.g. 5 s in Node, 75 s in
  // nginx) fails the request written on it with ECONNRESET/EPIPE before any answer. The server
  // never read that request, so it is sent once more on a new connection — what Node's docs advise
  // (request.reusedSocket) and what browsers do. A fresh socket's reset is a real network error.
  const STALE_SOCKET = new Set(["ECONNRESET", "EPIPE"]);

  function once(u: URL, target: ResolvedAddress, req: HttpRequest, cancel: Cancel, fresh = false): Promise<http.IncomingMessage> {
    return new Promise((resolvePromise, reject) => {
      const mod = u.protocol === "https:" ? https : http;
      const headers: Record<string, string> = { "user-agent": userAgent, ...req.headers };
      if (req.body !== undefined) headers["content-length"] = String(Buffer.byteLength(req.body));
      let answered = false;
      let sent = false;
      const r = mod.request(
        {
          protocol: u.protocol,
          hostname: bareHost(u),
          port: defaultPort(u),
          path: `${u.pathname}${u.search}`,
          method: req.method,
          headers,
          // The retry takes a socket of its own (no pooling) so it cannot draw another stale one.
          agent: fresh ? false : u.protocol === "https:" ? agents.https : agents.http,
          lookup: lookupOf(target),
        },
        (res) => {
          answered = true;
          resolvePromise(res);
        },
      );
      cancel.current = r;
      r.on("error", (e: NodeJS.ErrnoException) => {
        if (!answered && !fresh && r.reusedSocket && STALE_SOCKET.has(e.code ?? "") && !cancel.aborted) {
          once(u, target, { ...req, onSent: sent ? undefined : req.onSent }, cancel, true).then(resolvePromise, reject);
        } else reject(e);
      });
      r.once("finish", () => {
        sent = true;
        req.onSent?.();
      });
      if (req.body !== undefined) r.write(req.body);
      r.end();
      // Cancelled while the request was being built (time ran out in the DNS lookup, say).
      if (cancel.aborted) r.destroy(cancel.error());
    });
  }

  // The body is read with plain 'data'/'end' events (no async iterator: one promise per chunk and
  // per request is measurable at a thousand requests a second).
  function readBody(res: http.IncomingMessage, host: string, progress: { bytes: number }, cancel: Cancel): Promise<Buffer> {
    const tooLarge = () => new OutboundError("too_large", `Ответ от ${host} больше допустимого размера ${formatBytes(maxBytes)} (HTTP_MAX_RESPONSE_BYTES)`);
    const declared = Number(res.headers["content-length"]);
    if (Number.isFinite(declared) && declared > maxBytes) {
      res.destroy();
      return Promise.reject(tooLarge());
    }
    const enc = String(res.headers["content-encoding"] ?? "").toLowerCase();
    let stream: Readable = res;
    if (enc === "gzip" || enc === "x-gzip") stream = res.pipe(zlib.createGunzip());
    else if (enc === "deflate") stream = res.pipe(zlib.createInflate());
    else if (enc === "br") stream = res.pipe(zlib.createBrotliDecompress());
    return new Promise((resolvePromise, reject) => {
      const chunks: Buffer[] = [];
      let total = 0;
      let done = false;
      const fail = (e: unknown) => {
        if (done) return;
        done = true;
        cancel.reading = null;
        res.destroy();
        if (stream !== res) stream.destroy();
        reject(e);
      };
      cancel.reading = fail;
      stream.on("data", (chunk: Buffer) => {
        if (done) return;
        total += chunk.length;
        progress.bytes = total;
        if (total > maxBytes) return fail(tooLarge());
        chunks.push(chunk);
      });
      stream.once("error", fail);
      // A connection closed before the whole body came ('end' never fires).
      res.once("close", () => {
        if (!res.complete) fail(Object.assign(new Error("aborted"), { code: "ECONNRESET" }));
      });
      stream.once("end", () => {
        if (done) return;
        done = true;
        cancel.reading = null;
        resolvePromise(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total));
      });
      if (cancel.aborted) fail(cancel.error());
    });
  }

  function decode(buf: Buffer, contentType: string): string {
    const charset = /charset\s*=\s*"?([\w-]+)/i.exec(contentType)?.[1]?.toLowerCase();
    if (charset && charset !== "utf-8" && charset !== "utf8" && iconv.encodingExists(charset)) return iconv.decode(buf, charset);
    return buf.toString("utf8");
  }

  return async function outboundHttp(request: HttpRequest): Promise<HttpResponse> {
    // Time running out or the caller's signal destroys the request (or the body being read) in
    // flight; no AbortController or signal listeners of our own per request.
    const cancel = new Cancel();
    const timer = setTimeout(() => cancel.abort(new OutboundError("timeout", `Нет ответа за ${limitText(request.timeoutMs)}`)), request.timeoutMs);
    const outer = request.signal === NEVER_ABORTED ? undefined : request.signal;
    const onOuterAbort = () => cancel.abort(outer!.reason);
    if (outer) {
      if (outer.aborted) onOuterAbort();
      else outer.addEventListener("abort", onOuterAbort, { once: true });
    }
    let url: URL;
    try {
      url = parsedUrl(request.url);
    } catch {
      clearTimeout(timer);
      outer?.removeEventListener("abort", onOuterAbort);
      throw new OutboundError("bad_url", `Неверный адрес: ${request.url}`);
    }
    let method = request.method.toUpperCase();
    let body = request.body;
    let headers = { ...request.headers };
    try {
      for (let hop = 0; ; hop++) {
        if (url.protocol !== "http:" && url.protocol !== "https:") {
          throw new OutboundError("bad_url", `Разрешены только http и https, а не ${url.protocol.replace(":", "")}`);
        }
        const target = await checkTarget(url);
        if (cancel.aborted) throw networkError(cancel.error(), cancel, url);
        let res: http.IncomingMessage;
        try {
          res = await once(url, target, { ...request, method, headers, body, onSent: hop === 0 ? request.onSent : undefined }, cancel);
        } catch (e) {
          throw networkError(e, cancel, url);
        }
        const location = res.headers.location;
        if ([301, 302, 303, 307, 308].includes(res.statusCode ?? 0) && location) {
          res.resume();
          if (hop >= maxRedirects) throw new OutboundError("too_many_redirects", `Больше ${maxRedirects} перенаправлений, начиная с ${request.url}`);
          const next = new URL(location, url);
          if (res.statusCode === 303 || ((res.statusCode === 301 || res.statusCode === 302) && method === "POST")) {
            if (method !== "HEAD") method = "GET";
            body = undefined;
            headers = Object.fromEntries(Object.entries(headers).filter(([k]) => !/^content-(type|length)$/i.test(k)));
          }
          if (next.host !== url.host || next.protocol !== url.protocol) {
            headers = headersForOtherOrigin(headers, request.secretValues);
          }
          url = next;
          continue;
        }
        let buf: Buffer;
        const progress = { bytes: 0 };
        try {
          buf = await readBody(res, url.host, progress, cancel);
        } catch (e) {
          if (e instanceof OutboundError && !(cancel.aborted && e === cancel.reason)) throw e;
          if (cancel.aborted && cancel.reason instanceof OutboundError && cancel.reason.code === "timeout") {
            // The status line and headers came; the body was still arriving when time ran out.
            throw new OutboundError(
              "timeout",
              `Ответ от ${url.host} (HTTP ${res.statusCode}) не пришёл целиком за ${limitText(request.timeoutMs)}: получено ${formatBytes(progress.bytes)}`,
            );
          }
          throw networkError(e, cancel, url);
        }
        const outHeaders: Record<string, string | string[]> = {};
        for (const k in res.headers) {
          const v = res.headers[k];
          if (v !== undefined) outHeaders[k] = v;
        }
        return { status: res.statusCode ?? 0, headers: outHeaders, body: decode(buf, String(res.headers["content-type"] ?? "")), url: url.toString() };
      }
    } finally {
      clearTimeout(timer);
      outer?.removeEventListener("abort", onOuterAbort);
    }
  };
}

/** "300 мс", "30 с": a time limit as the messages name it. */
function limitText(ms: number): string {
  return ms < 1000 ? `${ms} мс` : `${Math.round(ms / 1000)} с`;
}

/** One outbound call's cancellation: the request in flight and the body being read, if any. */
class Cancel {
  aborted = false;
  reason: unknown = undefined;
  current: http.ClientRequest | null = null;
  reading: ((e: unknown) => void) | null = null;

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const e = this.error();
    if (this.reading) this.reading(e);
    this.current?.destroy(e);
  }

  /** The reason as something `destroy()` takes (a caller may abort with any value). */
  error(): Error {
    return this.reason instanceof Error ? this.reason : Object.assign(new Error("aborted"), { name: "AbortError" });
  }
}

function networkError(e: unknown, cancel: Cancel, url: URL): OutboundError {
  if (cancel.aborted) {
    const reason = cancel.reason;
    if (reason instanceof OutboundError) return new OutboundError(reason.code, `${reason.message} от ${url.host}`);
    return new OutboundError("aborted", `Запрос к ${url.host} отменён`);
  }
  if (e instanceof OutboundError) return e;
  const code = (e as NodeJS.ErrnoException).code;
  return new OutboundError("network", `Не удалось выполнить запрос к ${url.host}: ${code ?? (e as Error).message}`);
}

/** The worker's client, configured from env (OUTBOUND_ALLOWLIST, HTTP_MAX_RESPONSE_BYTES). */
export function outboundHttpFromEnv(): HttpClient {
  const e = env();
  return createOutboundHttp({ allowlist: e.OUTBOUND_ALLOWLIST, maxResponseBytes: e.HTTP_MAX_RESPONSE_BYTES });
}
