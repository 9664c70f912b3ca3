import http from "node:http";
import net, { type AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOutboundHttp, isBlockedAddress, parseAllowlist } from "./outbound-http";
import { getEventListeners } from "node:events";
import { NEVER_ABORTED, OutboundError } from "../actions/define-action";
import { gcFunction } from "../idle-gc";

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;
let handler: Handler = (_q, res) => res.end("ok");
let seen: { url: string; headers: http.IncomingHttpHeaders; method: string; body: string }[] = [];
let server: http.Server;
let port = 0;
let base = "";

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      seen.push({ url: req.url ?? "", headers: req.headers, method: req.method ?? "", body });
      handler(req, res, body);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const reset = (h: Handler) => {
  handler = h;
  seen = [];
};
const req = (url: string, extra: Partial<Parameters<ReturnType<typeof createOutboundHttp>>[0]> = {}) => ({
  method: "GET",
  url,
  headers: {},
  timeoutMs: 5000,
  ...extra,
});
const code = async (p: Promise<unknown>) => {
  try {
    await p;
    return "ok";
  } catch (e) {
    return e instanceof OutboundError ? e.code : String(e);
  }
};

describe("isBlockedAddress", () => {
  it.each([
    "127.0.0.1",
    "127.8.9.10",
    "10.1.2.3",
    "172.16.0.1",
    "172.31.255.255",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "100.127.255.255",
    "0.0.0.0",
    "0.1.2.3",
    "224.0.0.1",
    "239.255.255.250",
    "255.255.255.255",
    "240.0.0.1",
    "198.18.0.1",
    "::1",
    "::",
    "fc00::1",
    "fd12:3456::1",
    "fe80::1",
    "fe80::1%eth0",
    "ff02::1",
    "::ffff:127.0.0.1",
    "::ffff:7f00:1",
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
    "64:ff9b::a9fe:a9fe",
    "2002:7f00:1::1",
    "::127.0.0.1",
    "2001:db8::1",
    "not-an-ip",
  ])("blocks %s", (ip) => expect(isBlockedAddress(ip)).toBe(true));

  it.each([
    "8.8.8.8",
    "93.184.216.34",
    "172.32.0.1",
    "100.128.0.1",
    "169.255.0.1",
    "2a00:1450:4010::65",
    "::ffff:8.8.8.8",
    "64:ff9b::808:808",
    "2002:808:808::1",
  ])("allows %s", (ip) => expect(isBlockedAddress(ip)).toBe(false));
});

describe("parseAllowlist", () => {
  it("reads host[:port] entries", () => {
    expect(parseAllowlist(" 127.0.0.1:4010, localhost:4010,Internal.Host ,[::1]:80")).toEqual([
      { host: "127.0.0.1", port: 4010 },
      { host: "localhost", port: 4010 },
      { host: "internal.host" },
      { host: "::1", port: 80 },
    ]);
  });
});

describe("outbound http", () => {
  it("refuses loopback without an allowlist entry, by IP and by name (localhost)", async () => {
    reset((_q, res) => res.end("ok"));
    const client = createOutboundHttp();
    await expect(client(req(`${base}/x`))).rejects.toThrow(
      `Адрес 127.0.0.1 запрещён: запросы во внутреннюю сеть заблокированы. Чтобы разрешить его, добавьте 127.0.0.1:${port} в OUTBOUND_ALLOWLIST`,
    );
    await expect(client(req(`http://localhost:${port}/x`))).rejects.toThrow(/^Адрес localhost \((127\.0\.0\.1|::1)\) запрещён/);
    expect(seen).toHaveLength(0);
  });

  it("refuses a name that resolves to a private address, and connects to the checked address", async () => {
    reset((_q, res) => res.end("hello"));
    const resolve = async (h: string) => (h === "evil.test" ? [{ address: "127.0.0.1", family: 4 }] : [{ address: "127.0.0.1", family: 4 }]);
    await expect(code(createOutboundHttp({ resolve })(req(`http://evil.test:${port}/`)))).resolves.toBe("blocked");
    // Allowlisted by name: the name is "resolved" to the fake's address and the socket goes there.
    const ok = await createOutboundHttp({ resolve, allowlist: `ok.test:${port}` })(req(`http://ok.test:${port}/p?q=1`));
    expect(ok.status).toBe(200);
    expect(ok.body).toBe("hello");
    expect(seen[0].headers.host).toBe(`ok.test:${port}`);
    expect(seen[0].url).toBe("/p?q=1");
  });

  it("checks the address on every request to the same URL (a name that starts pointing inside is refused)", async () => {
    reset((_q, res) => res.end("fine"));
    // The name first resolves to the allowlisted fake, then (DNS rebinding) to a private address.
    let answer = "127.0.0.1";
    const resolve = async () => [{ address: answer, family: 4 }];
    const client = createOutboundHttp({ resolve, allowlist: `127.0.0.1:${port}` });
    const url = `http://rebind.test:${port}/same`;
    await expect(client(req(url))).resolves.toMatchObject({ status: 200, body: "fine", url });
    answer = "10.0.0.7";
    await expect(code(client(req(url)))).resolves.toBe("blocked");
    answer = "127.0.0.1";
    await expect(client(req(url))).resolves.toMatchObject({ body: "fine" });
    expect(seen).toHaveLength(2);
  });

  it("refuses when any resolved address is private", async () => {
    const resolve = async () => [
      { address: "93.184.216.34", family: 4 },
      { address: "10.0.0.5", family: 4 },
    ];
    await expect(code(createOutboundHttp({ resolve })(req("http://mixed.test/")))).resolves.toBe("blocked");
  });

  it("allows an allowlisted host:port and sends the request as given", async () => {
    reset((_q, res) => {
      res.setHeader("content-type", "application/json");
      res.end('{"ok":true}');
    });
    const client = createOutboundHttp({ allowlist: `127.0.0.1:${port}` });
    const res = await client(req(`${base}/api`, { method: "POST", headers: { "Content-Type": "application/json", "X-Test": "1" }, body: '{"a":"б"}' }));
    expect(res).toMatchObject({ status: 200, body: '{"ok":true}' });
    expect(res.headers["content-type"]).toBe("application/json");
    expect(seen[0]).toMatchObject({ method: "POST", body: '{"a":"б"}' });
    expect(seen[0].headers["x-test"]).toBe("1");
    // A different port of the same host is not covered by the entry.
    await expect(code(createOutboundHttp({ allowlist: "127.0.0.1:1" })(req(`${base}/api`)))).resolves.toBe("blocked");
  });

  it("only http and https", async () => {
    await expect(createOutboundHttp()(req("file:///etc/passwd"))).rejects.toThrow("Разрешены только http и https, а не file");
    await expect(code(createOutboundHttp()(req("ftp://example.com/")))).resolves.toBe("bad_url");
  });

  it("re-checks every redirect: a redirect to a private address is blocked", async () => {
    reset((q, res) => {
      res.writeHead(302, { location: "http://169.254.169.254/latest/meta-data/" });
      res.end();
    });
    const client = createOutboundHttp({ allowlist: `127.0.0.1:${port}` });
    await expect(client(req(`${base}/start`))).rejects.toThrow(/^Адрес 169\.254\.169\.254 запрещён/);
    expect(seen).toHaveLength(1);
  });

  it("follows up to 5 redirects, turns POST into GET on 303 and drops Authorization on a host change", async () => {
    reset((q, res) => {
      const n = Number(/\/r(\d+)/.exec(q.url ?? "")?.[1] ?? 0);
      if (q.url === "/cross") {
        res.writeHead(307, { location: `http://localhost:${port}/final` });
        return res.end();
      }
      if (q.url === "/final" || q.url === "/r-end") return res.end(`done ${q.method}`);
      if (n === 0 && q.url === "/see-other") {
        res.writeHead(303, { location: "/r-end" });
        return res.end();
      }
      res.writeHead(302, { location: `/r${n + 1}` });
      res.end();
    });
    const client = createOutboundHttp({ allowlist: `127.0.0.1:${port},localhost:${port}` });
    await expect(client(req(`${base}/r0`))).rejects.toThrow(`Больше 5 перенаправлений, начиная с ${base}/r0`);
    expect(seen).toHaveLength(6);

    seen = [];
    const r2 = await client(req(`${base}/see-other`, { method: "POST", body: "x", headers: { "Content-Type": "text/plain" } }));
    expect(r2.body).toBe("done GET");
    expect(seen[1].headers["content-type"]).toBeUndefined();

    seen = [];
    const r3 = await client(req(`${base}/cross`, { method: "POST", body: "x", headers: { Authorization: "Bearer secret", "X-Keep": "1" } }));
    expect(r3.body).toBe("done POST");
    expect(seen[0].headers.authorization).toBe("Bearer secret");
    expect(seen[1].headers.authorization).toBeUndefined();
    expect(seen[1].headers["x-keep"]).toBe("1");
    expect(r3.url).toBe(`http://localhost:${port}/final`);
  });

  it("drops every header carrying a credential on a redirect to another origin, keeps them on the same origin", async () => {
    reset((q, res) => {
      if (q.url === "/cross") {
        res.writeHead(302, { location: `http://localhost:${port}/final` });
        return res.end();
      }
      if (q.url === "/same") {
        res.writeHead(302, { location: "/final" });
        return res.end();
      }
      res.end("done");
    });
    const client = createOutboundHttp({ allowlist: `127.0.0.1:${port},localhost:${port}` });
    const headers = {
      "X-Api-Key": "k-123456",
      "Api-Token": "t-abcdef",
      "X-Weeek-Auth": "w-000111",
      "X-Client": "salon-key-9f8e7d", // a custom name, but its value is a credential
      "X-Signed": "sig=salon-key-9f8e7d;v=1", // the credential inside a longer value
      "X-Request-Source": 'klientiks; salon="Anna\'s"',
    };
    await client(req(`${base}/cross`, { headers, secretValues: ["salon-key-9f8e7d"] }));
    expect(seen[0].headers["x-api-key"]).toBe("k-123456");
    const after = seen[1].headers;
    for (const name of ["x-api-key", "api-token", "x-weeek-auth", "x-client", "x-signed"]) expect(after[name]).toBeUndefined();
    expect(after["x-request-source"]).toBe(`klientiks; salon="Anna's"`);

    seen = [];
    await client(req(`${base}/same`, { headers, secretValues: ["salon-key-9f8e7d"] }));
    expect(seen[1].headers["x-api-key"]).toBe("k-123456");
    expect(seen[1].headers["x-client"]).toBe("salon-key-9f8e7d");
  });

  it("says that a streaming response did not finish in time (not «no answer»)", async () => {
    reset((_q, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"deals":[');
      // never ends
    });
    const client = createOutboundHttp({ allowlist: `127.0.0.1:${port}` });
    await expect(client(req(`${base}/slow`, { timeoutMs: 300 }))).rejects.toThrow(
      `Ответ от 127.0.0.1:${port} (HTTP 200) не пришёл целиком за 300 мс: получено 10 Б`,
    );
    reset((_q, _res) => undefined); // no status line at all
    await expect(client(req(`${base}/silent`, { timeoutMs: 300 }))).rejects.toThrow(`Нет ответа за 300 мс от 127.0.0.1:${port}`);
  });

  it("puts no listener on the signal of a run nobody can cancel (shared by every run of the worker)", async () => {
    const held: http.ServerResponse[] = [];
    let allIn: () => void = () => undefined;
    const arrived = new Promise<void>((r) => (allIn = r));
    reset((_q, res) => {
      held.push(res);
      if (held.length === 20) allIn();
    });
    const client = createOutboundHttp({ allowlist: `127.0.0.1:${port}` });
    const calls = Array.from({ length: 20 }, (_, i) => client(req(`${base}/never/${i}`, { signal: NEVER_ABORTED })));
    await arrived;
    expect(getEventListeners(NEVER_ABORTED, "abort")).toHaveLength(0);
    for (const res of held) res.end("ok");
    expect((await Promise.all(calls)).map((r) => r.body)).toEqual(Array(20).fill("ok"));
    // A caller's own signal is still listened to while its request is in flight, and let go after.
    const own = new AbortController();
    let answer: (() => void) | null = null;
    const asked = new Promise<void>((r) =>
      reset((_q, res) => {
        answer = () => res.end("mine");
        r();
      }),
    );
    const mine = client(req(`${base}/own`, { signal: own.signal }));
    await asked;
    expect(getEventListeners(own.signal, "abort")).toHaveLength(1);
    answer!();
    await expect(mine).resolves.toMatchObject({ body: "mine" });
    expect(getEventListeners(own.signal, "abort")).toHaveLength(0);
  });

  it("keeps nothing of an answered request alive, though its kept-alive connection stays open", async () => {
    // The agent keeps the options a socket was created with for the socket's life; anything of the
    // request reachable from them (its body, its callbacks, the run they belong to) stayed in
    // memory as long as the idle connection — 200 runs' worth in the worker under load.
    const gc = gcFunction();
    expect(gc).not.toBeNull();
    const own = http.createServer((_q, res) => res.end("ok"));
    const open = new Set<net.Socket>();
    own.on("connection", (s) => {
      open.add(s);
      s.on("close", () => open.delete(s));
    });
    await new Promise<void>((r) => own.listen(0, "127.0.0.1", r));
    const ownPort = (own.address() as AddressInfo).port;
    try {
      const client = createOutboundHttp({ allowlist: `127.0.0.1:${ownPort}` });
      let collected = false;
      const registry = new FinalizationRegistry(() => (collected = true));
      await (async () => {
        const run = { payload: "x".repeat(10_000) };
        registry.register(run, "run");
        const onSent = () => void run.payload.length;
        const res = await client({ method: "POST", url: `http://127.0.0.1:${ownPort}/`, headers: {}, body: "{}", timeoutMs: 5000, onSent });
        expect(res.body).toBe("ok");
      })();
      // The registry reports a collected object in a later task, which may come some turns after
      // the collection; a run still held is never reported.
      for (let i = 0; i < 50 && !collected; i++) {
        gc!();
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(open.size).toBe(1);
      expect(collected).toBe(true);
    } finally {
      own.closeAllConnections();
      await new Promise<void>((r) => own.close(() => r()));
    }
  });

  it("caps the response body", async () => {
    reset((_q, res) => {
      res.write("x".repeat(600));
      res.end("y".repeat(600));
    });
    const client = createOutboundHttp({ allowlist: `127.0.0.1:${port}`, maxResponseBytes: 1024 });
    await expect(client(req(`${base}/big`))).rejects.toThrow(`Ответ от 127.0.0.1:${port} больше допустимого размера 1 КиБ (HTTP_MAX_RESPONSE_BYTES)`);
    reset((_q, res) => {
      res.setHeader("content-length", "5000");
      res.end("z".repeat(5000));
    });
    await expect(code(client(req(`${base}/big2`)))).resolves.toBe("too_large");
  });

  it("times out", async () => {
    reset(() => undefined);
    const client = createOutboundHttp({ allowlist: `127.0.0.1:${port}` });
    const t0 = Date.now();
    await expect(client(req(`${base}/slow`, { timeoutMs: 200 }))).rejects.toThrow(`Нет ответа за 200 мс от 127.0.0.1:${port}`);
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it("decodes windows-1251 and gzip bodies", async () => {
    const zlib = await import("node:zlib");
    const iconv = (await import("iconv-lite")).default;
    reset((q, res) => {
      if (q.url === "/cp") {
        res.setHeader("content-type", "text/plain; charset=windows-1251");
        return res.end(iconv.encode("Привет", "windows-1251"));
      }
      res.setHeader("content-encoding", "gzip");
      res.end(zlib.gzipSync(Buffer.from("сжатый ответ")));
    });
    const client = createOutboundHttp({ allowlist: `127.0.0.1:${port}` });
    expect((await client(req(`${base}/cp`))).body).toBe("Привет");
    expect((await client(req(`${base}/gz`))).body).toBe("сжатый ответ");
  });

  it("sends a request once more on a new connection when the kept-alive one was closed by the other side", async () => {
    // A minimal HTTP/1.1 server: answers each request on a connection, except that it resets a
    // connection when its second request arrives (the other side's idle timeout firing just as
    // the client reuses the socket). A reset on a new connection stays an error.
    const received: string[] = [];
    let connections = 0;
    let resetFirst = false;
    const srv = net.createServer((sock) => {
      connections++;
      let buf = Buffer.alloc(0);
      let n = 0;
      sock.on("data", (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        for (;;) {
          const head = buf.indexOf("\r\n\r\n");
          if (head < 0) return;
          const len = Number(/content-length: (\d+)/i.exec(buf.subarray(0, head).toString())?.[1] ?? 0);
          if (buf.length < head + 4 + len) return;
          const body = buf.subarray(head + 4, head + 4 + len).toString();
          buf = buf.subarray(head + 4 + len);
          n++;
          if (n === 2 || resetFirst) return void sock.resetAndDestroy();
          received.push(body);
          sock.write('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\nConnection: keep-alive\r\n\r\n{"ok":true}');
        }
      });
    });
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}/contacts`;
    const client = createOutboundHttp({ allowlist: "127.0.0.1" });
    const post = (body: string) => client(req(url, { method: "POST", headers: { "content-type": "application/json" }, body }));
    try {
      expect((await post('{"name":"Анна"}')).status).toBe(200);
      const second = await post('{"name":"Ольга «Ноготки» 💅"}');
      expect(second).toMatchObject({ status: 200, body: '{"ok":true}' });
      expect(connections).toBe(2);
      expect(received).toEqual(['{"name":"Анна"}', '{"name":"Ольга «Ноготки» 💅"}']);

      // A reset on a new connection: the request may have been read, so it is not sent again.
      resetFirst = true;
      await expect(post("{}")).rejects.toThrow(/ECONNRESET|socket hang up/);
      expect(connections).toBe(3);
    } finally {
      await new Promise<void>((r) => srv.close(() => r()));
    }
  });

  it("a connection closed in the middle of the body is a network error, and the caller's signal cancels a body in flight", async () => {
    reset((_q, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": "100" });
      res.write('{"deals":[');
      setTimeout(() => res.socket?.destroy(), 20);
    });
    const client = createOutboundHttp({ allowlist: `127.0.0.1:${port}` });
    await expect(client(req(`${base}/cut`))).rejects.toThrow(`Не удалось выполнить запрос к 127.0.0.1:${port}: ECONNRESET`);

    let headersSent!: () => void;
    const started = new Promise<void>((r) => (headersSent = r));
    reset((_q, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"deals":[');
      headersSent();
      // never ends: only the caller's signal can stop this one
    });
    const controller = new AbortController();
    const pending = code(client(req(`${base}/endless`, { timeoutMs: 60_000, signal: controller.signal })));
    await started;
    controller.abort();
    await expect(pending).resolves.toBe("aborted");
    // Aborted before the request was sent.
    await expect(code(client(req(`${base}/never`, { signal: AbortSignal.abort() })))).resolves.toBe("aborted");
  });

  it("reports connection failures as network errors", async () => {
    const client = createOutboundHttp({ allowlist: "127.0.0.1:1" });
    await expect(client(req("http://127.0.0.1:1/"))).rejects.toThrow("Не удалось выполнить запрос к 127.0.0.1:1: ECONNREFUSED");
  });
});
