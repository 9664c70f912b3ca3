// N web processes sharing one port through node:cluster (the primary accepts connections and hands
// them out round-robin; it runs no application code). Used by bench/scale-out.ts; in production a
// load balancer or `docker compose --scale` does this job (docs/scaling.md).
//   WEB_PROCESSES=2 node bench/cluster-web.mjs [node args…] <script>
import cluster from "node:cluster";

const n = Number(process.env.WEB_PROCESSES ?? 2);
const args = process.argv.slice(2);
const script = args.pop();
cluster.schedulingPolicy = cluster.SCHED_RR;
cluster.setupPrimary({ exec: script, execArgv: args });
for (let i = 0; i < n; i++) cluster.fork();
let stopping = false;
cluster.on("exit", (w, code) => {
  if (!stopping) console.error(`[cluster] web process ${w.process.pid} exited (${code})`);
  if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
});
const stop = () => {
  stopping = true;
  for (const w of Object.values(cluster.workers ?? {})) w?.process.kill("SIGTERM");
  setTimeout(() => process.exit(0), 10_000).unref();
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
