// `npm run bench:engine`: bundles bench/engine/steps.ts like the worker is built (esbuild, packages
// external) and runs it BENCH_ENGINE_ROUNDS (3) times in fresh processes; prints each and the median.
import path from "node:path";
import { execFileSync } from "node:child_process";
import { ROOT, log } from "../common";

const out = path.join(ROOT, "bench", ".build", "engine-steps.mjs");
execFileSync(
  path.join(ROOT, "node_modules", ".bin", "esbuild"),
  ["bench/engine/steps.ts", "--bundle", "--platform=node", "--format=esm", "--packages=external", "--target=node20", `--outfile=${out}`, "--log-level=warning"],
  { cwd: ROOT, stdio: "inherit" },
);
const figures: number[] = [];
for (let r = 0; r < Number(process.env.BENCH_ENGINE_ROUNDS ?? 3); r++) {
  const line = execFileSync(process.execPath, [out], { cwd: ROOT, encoding: "utf8" }).trim();
  log(`round ${r + 1}: ${line.replace("[bench] ", "")}`);
  figures.push(Number(/([\d.]+) µs CPU per run/.exec(line)![1]));
}
figures.sort((a, b) => a - b);
log(`engine: median ${figures[Math.floor(figures.length / 2)]} µs CPU per 3-step run`);
