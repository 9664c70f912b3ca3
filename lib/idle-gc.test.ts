import v8 from "node:v8";
import { afterEach, describe, expect, it } from "vitest";
import { markBusy, startIdleGc } from "./idle-gc";

let stop: () => void = () => undefined;
afterEach(() => stop());

describe("idle gc", () => {
  it("collects once after work and a quiet spell, never while work keeps coming, again after new work", async () => {
    const collections: number[] = [];
    let collected: () => void = () => undefined;
    const next = () => new Promise<void>((r) => (collected = r));
    stop = startIdleGc({
      quietMs: 400,
      onCollect: () => {
        collections.push(Date.now());
        collected();
      },
    });

    // Work keeps coming (a job every 10 ms for a second, longer than the quiet spell): no collection.
    const t0 = Date.now();
    while (Date.now() - t0 < 1_000) {
      markBusy();
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(collections).toHaveLength(0);

    // The burst left garbage behind; once quiet, one collection gives it back.
    void Array.from({ length: 300_000 }, (_, i) => ({ i, s: `row ${i}` }));
    const heapBefore = v8.getHeapStatistics().used_heap_size;
    let first = next();
    await first;
    expect(collections).toHaveLength(1);
    // Most of it: the burst's 300,000 rows (over 10 MB, promoted while they were being made) are
    // gone, not just what a minor collection finds.
    expect(heapBefore - v8.getHeapStatistics().used_heap_size).toBeGreaterThan(8 * 1024 * 1024);

    // Nothing more while it stays quiet…
    await new Promise((r) => setTimeout(r, 1_000));
    expect(collections).toHaveLength(1);
    // …and one more after new work.
    first = next();
    markBusy();
    await first;
    expect(collections).toHaveLength(2);
  });
});
