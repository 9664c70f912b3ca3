// BENCH_ALLOC_PROFILE=<dir> (bench/common.ts preloads this into every process it starts): V8's
// sampling heap profiler runs for the process's whole life, counting every allocation it samples
// (one per ~8 KB, BENCH_ALLOC_INTERVAL) — also those already collected, so it says who allocates
// (what makes scavenges frequent), not only who holds memory. At exit the profile goes to
// <dir>/<script>-<pid>.heapprofile; `node bench/analyze-heap-profile.cjs <file>` sums it by
// function and by stack (or open it in Chrome DevTools, Memory tab).
const inspector = require("node:inspector");
const fs = require("node:fs");
const path = require("node:path");

const session = new inspector.Session();
session.connect();
session.post("HeapProfiler.enable");
session.post("HeapProfiler.startSampling", {
  samplingInterval: Number(process.env.BENCH_ALLOC_INTERVAL ?? 8192),
  includeObjectsCollectedByMajorGC: true,
  includeObjectsCollectedByMinorGC: true,
});
process.on("exit", () => {
  // An in-process session answers synchronously, so this still runs inside the exit handler.
  session.post("HeapProfiler.stopSampling", (err, res) => {
    if (err) return;
    const name = `${path.basename(process.argv[1] ?? "node")}-${process.pid}.heapprofile`;
    fs.writeFileSync(path.join(process.env.BENCH_ALLOC_PROFILE, name), JSON.stringify(res.profile));
  });
});
