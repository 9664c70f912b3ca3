// The outside systems of bench/e2e.ts in a process of their own: the fake Weeek (the seed
// pipeline's CRM) and the echo server the 3-step pipeline POSTs to. In production they are other
// machines, not the load generator's event loop. (With them in that loop its requests left p99
// 16–30 ms behind their slots — each latency phase's "sent" stage; without them 11–44 ms on a
// noisy day: not shown to be better, but no longer coupled.)
// Prints one line, `[outside] ready {"echo":…,"weeek":…,"weeekStatus":…}`, then serves until SIGTERM.
import { startFakeWeeek } from "../test/support/fakes/weeek";
import { WEEEK_TOKEN, startEchoServer } from "./common";

const weeek = await startFakeWeeek({ token: WEEEK_TOKEN });
// Fake Weeek keeps every request, contact and deal (fine for tests); a benchmark of thousands
// would measure the fake's memory instead. A run links its deal seconds at most after creating it,
// so the newest 2,000 are plenty.
const keepLight = setInterval(() => weeek.trim(2_000), 1_000);
const echo = await startEchoServer("/echo");
const urls = {
  echo: echo.url,
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
