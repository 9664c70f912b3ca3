// A destination that records when each request arrived, run as a process of its own so the
// arrival times are taken by a process that does nothing else: inside the test process (which also
// polls Postgres and runs vitest) a busy machine's event-loop lag would bunch the stamps and make
// a rate limit look broken when it is not.
// argv[2]: requests allowed in any 1,000 ms (more → 429 with Retry-After: 1); "inf" = no limit.
// GET /__arrivals answers the record: { arrivals: [{ at, key }], rejected }.
import http from "node:http";

const perSecond = process.argv[2] === "inf" || !process.argv[2] ? Infinity : Number(process.argv[2]);
const arrivals = [];
let rejected = 0;

const server = http.createServer((req, res) => {
  // Stamped on arrival (before the body is read), as close to the wire as a process gets.
  const at = Date.now();
  if (req.method === "GET" && req.url === "/__arrivals") {
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ arrivals, rejected }));
    return;
  }
  req.resume();
  req.on("end", () => {
    const recent = arrivals.filter((a) => a.at > at - 1000).length;
    arrivals.push({ at, key: String(req.headers["idempotency-key"] ?? "") });
    if (recent >= perSecond) {
      rejected++;
      res.writeHead(429, { "content-type": "application/json", "retry-after": "1" }).end('{"error":"too many requests"}');
      return;
    }
    res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
process.on("SIGTERM", () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
