// Creates the bench's user and pipelines in DATABASE_URL with the code of the checkout at
// BENCH_ROOT (default: this one), so bench/e2e.ts can also measure another checkout ("before")
// against its own schema. Prints one JSON line: { seed, three, ceiling } each { id, webhookToken }.
//   BENCH_ROOT, BENCH_WEEEK_URL, BENCH_WEEEK_STATUS, BENCH_ECHO_URL
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const root = path.resolve(process.env.BENCH_ROOT ?? path.join(import.meta.dirname, ".."));
// test/support/worker-helpers.ts since the code-shape round; worker/test-helpers.ts in older checkouts.
const helpersFile = ["test/support/worker-helpers.ts", "worker/test-helpers.ts"].map((f) => path.join(root, f)).find((f) => fs.existsSync(f))!;
const helpers = await import(pathToFileURL(helpersFile).href);
const { closeDb } = await import(pathToFileURL(path.join(root, "lib", "db.ts")).href);

const echo = process.env.BENCH_ECHO_URL!;
const userId: string = await helpers.createTestUser();
const seed = await helpers.createSeedPipeline(userId, process.env.BENCH_WEEEK_URL!, process.env.BENCH_WEEEK_STATUS!);
const three = await helpers.createRunningPipeline(userId, helpers.threeStepDefinition(echo));
// The ceiling's own pipeline (same definition): its runs and Hookflow's are counted apart.
const ceiling = await helpers.createRunningPipeline(userId, helpers.threeStepDefinition(echo));
console.log(`BENCH_PIPELINES ${JSON.stringify({ seed, three, ceiling })}`);
await closeDb();
process.exit(0);
