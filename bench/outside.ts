// The outside systems of bench/e2e.ts in a process of their own: the fake Weeek (the seed
// pipeline's CRM) and the echo server the 3-step pipeline POSTs to. In production they are other
// machines; sharing the load generator's event loop made its requests late (each latency phase's
// "sent" stage: p99 16–30 ms behind their slots with ~570 echo answers a second in that loop).
// Prints one line, `[outside] ready {"echo":…,"weeek":…,"weeekStatus":…}`, then serves until SIGTERM.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { startFakeWeeek } from "../test/support/fakes/weeek";
import { WEEEK_TOKEN } from "./common";

const weeek = await startFakeWeeek({ token: WEEEK_TOKEN });
// Fake Weeek keeps every request, contact and deal (fine for tests); a benchmark of thousands
// would measure the fake's memory instead. A run links its deal seconds at most after creating it,
// so the newest 2,000 are plenty.
const keepLight = setInterval(() => weeek.trim(2_000), 1_000);
const echo = http.createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    const body = '{"ok":true,"n":1}';
    res.writeHead(200, { "content-type": "application/json", "content-length": body.length }).end(body);
  });
});
echo.keepAliveTimeout = 65_000;
await new Promise<void>((r) => echo.listen(0, "127.0.0.1", r));
const urls = {
  echo: `http://127.0.0.1:${(echo.address() as AddressInfo).port}/echo`,
  weeek: weeek.url,
  weeekStatus: weeek.state.funnels[0].statuses[0].id,
};
console.log(`[outside] ready ${JSON.stringify(urls)}`);

process.on("SIGTERM", () => {
  clearInterval(keepLight);
  echo.close();
  void weeek.close().finally(() => process.exit(0));
  setTimeout(() => process.exit(0), 2_000).unref();
});
