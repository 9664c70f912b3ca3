// The plumbing the destination fakes share: read and record each request, answer JSON, and let a
// test make the next request fail with a given status and body.
import http from "node:http";
import type { AddressInfo } from "node:net";

export type RecordedRequest = {
  method: string;
  /** Path without the query, as received (still percent-encoded). */
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  raw: string;
  /** Parsed JSON or form body; the raw text when neither. */
  body: unknown;
  /** When the request's body had arrived (Date.now()): a test can check a request came no sooner than it may. */
  receivedAt: number;
};

export type Reply = { status: number; body: unknown; headers?: Record<string, string> };

export type FakeServer = {
  url: string;
  requests: RecordedRequest[];
  /** The next request answers with this instead of the normal handling. */
  failNext(status: number, body: unknown, headers?: Record<string, string>): void;
  close(): Promise<void>;
};

export async function startFakeServer(handle: (req: RecordedRequest) => Reply, port = 0): Promise<FakeServer> {
  const requests: RecordedRequest[] = [];
  const failures: Reply[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      const [path, qs = ""] = (req.url ?? "/").split("?");
      const type = String(req.headers["content-type"] ?? "");
      let body: unknown = raw;
      if (/json/.test(type) && raw) {
        try {
          body = JSON.parse(raw);
        } catch {
          body = raw;
        }
      } else if (/x-www-form-urlencoded/.test(type)) {
        body = Object.fromEntries(new URLSearchParams(raw));
      }
      const rec: RecordedRequest = { method: req.method ?? "", path, query: new URLSearchParams(qs), headers: req.headers, raw, body, receivedAt: Date.now() };
      requests.push(rec);
      let reply: Reply;
      try {
        reply = failures.shift() ?? handle(rec);
      } catch (e) {
        reply = { status: 500, body: { error: (e as Error).message } };
      }
      const text = JSON.stringify(reply.body);
      res.writeHead(reply.status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text), ...reply.headers });
      res.end(text);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    failNext: (status, body, headers) => void failures.push({ status, body, headers }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
