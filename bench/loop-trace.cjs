// BENCH_LOOP_TRACE=<dir> (bench/common.ts preloads this into every process it starts): once a
// second, the process's event-loop delay (p50 / p99 / max) and its garbage collections — scavenges
// and the rest (mark-compact, incremental marking steps, weak callbacks) apart: count, total and
// longest pause — go to <dir>/<pid>.log as one line. Where a latency tail comes from.
const { monitorEventLoopDelay, PerformanceObserver, constants } = require("node:perf_hooks");
const fs = require("node:fs");
const path = require("node:path");

// BENCH_V8_FLAGS="--trace-gc-nvp": V8 flags set at start in every process (the ceiling's too; node
// refuses most of them in NODE_OPTIONS). Their output goes to the process's standard output.
if (process.env.BENCH_V8_FLAGS) require("node:v8").setFlagsFromString(process.env.BENCH_V8_FLAGS);
const file = path.join(process.env.BENCH_LOOP_TRACE, `${process.pid}.log`);
fs.writeFileSync(file, `# ${process.argv.slice(1).join(" ")}\n`);
const h = monitorEventLoopDelay({ resolution: 5 });
h.enable();
const fresh = () => ({ minor: { n: 0, ms: 0, max: 0 }, other: { n: 0, ms: 0, max: 0 } });
let gc = fresh();
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    const g = e.detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR ? gc.minor : gc.other;
    g.n++;
    g.ms += e.duration;
    if (e.duration > g.max) g.max = e.duration;
  }
}).observe({ entryTypes: ["gc"] });
const ms = (ns) => (ns / 1e6).toFixed(1);
const line = (g) => `${g.n} ${g.ms.toFixed(1)} ms max ${g.max.toFixed(1)}`;
setInterval(() => {
  fs.appendFileSync(
    file,
    `${new Date().toISOString()} loop p50 ${ms(h.percentile(50))} p99 ${ms(h.percentile(99))} max ${ms(h.max)} scavenges ${line(gc.minor)} other gc ${line(gc.other)}\n`,
  );
  h.reset();
  gc = fresh();
}, 1_000).unref();
