// The worker runs with a larger young generation (scripts/lib.mjs NODE_FLAGS,
// docs/scaling.md «Round 11»). These tests pin what the flag does on this Node and that an
// operator's own NODE_OPTIONS still decides.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { NODE_FLAGS, nodeFlags } from "./lib.mjs";

/** The young generation's size once a burst of short-lived objects has grown it as far as V8 lets it. */
function grownYoungGenerationMb(flags: string[]): number {
  // Bursts 5 ms apart, as a worker's jobs come (one long synchronous loop does not grow it as far).
  const script = `
    const v8 = require("node:v8");
    const young = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === "new_space").space_size;
    let keep = [], most = 0, bursts = 0;
    const timer = setInterval(() => {
      for (let i = 0; i < 200000; i++) { keep.push({ i, s: "x" + i }); if (keep.length > 5000) keep = []; }
      most = Math.max(most, young());
      if (++bursts === 50) { clearInterval(timer); console.log(most / 1048576); }
    }, 5);`;
  return Number(execFileSync(process.execPath, [...flags, "-e", script], { encoding: "utf8", env: { ...process.env, NODE_OPTIONS: "" } }).trim());
}

describe("the V8 flags of the web and the worker", () => {
  it("let the worker's young generation grow to twice Node's default under a burst; the web keeps the default", () => {
    expect(NODE_FLAGS.worker).toContain("--max-semi-space-size=32");
    expect(nodeFlags("web", "")).toEqual([]);
    const plain = grownYoungGenerationMb([]);
    const ours = grownYoungGenerationMb(nodeFlags("worker", ""));
    expect(plain).toBeLessThanOrEqual(32);
    expect(ours).toBe(plain * 2);
  });

  it("leave a flag to NODE_OPTIONS when the operator sets it there", () => {
    expect(nodeFlags("worker", "")).toEqual(NODE_FLAGS.worker);
    expect(nodeFlags("worker", "--max-old-space-size=512")).toEqual(NODE_FLAGS.worker);
    expect(nodeFlags("worker", "--max-old-space-size=512 --max-semi-space-size=16")).toEqual([]);
    expect(nodeFlags("worker", "--max-semi-space-size-extra=1")).toEqual(NODE_FLAGS.worker);
  });

  it("are the ones docker-compose.yml gives its worker (the flag is written there too)", () => {
    const compose = fs.readFileSync(new URL("../docker-compose.yml", import.meta.url), "utf8");
    // The worker service's block: from its name to the next service (two-space indent) or the volumes.
    const from = compose.indexOf("\n  worker:");
    const rest = compose.slice(from + 1);
    const end = rest.slice(1).search(/\n {0,2}[a-z]+:/);
    const set = /^\s+NODE_OPTIONS: (.+)$/m.exec(end === -1 ? rest : rest.slice(0, end + 1));
    expect(set?.[1]).toBe(NODE_FLAGS.worker.join(" "));
    expect(compose.slice(0, from)).not.toContain("--max-semi-space-size");
  });
});
