import v8 from "node:v8";
import { afterEach, describe, expect, it, vi } from "vitest";
import { markBusy, startIdleGc, youngGenerationBytes } from "./idle-gc";

let stop: () => void = () => undefined;
afterEach(() => {
  stop();
  vi.useRealTimers();
});

describe("idle gc", () => {
  it("collects once after work and a quiet spell, never while work keeps coming, again after new work", async () => {
    // Each collection with the young generation's size right after it.
    const collections: number[] = [];
    /** Which retry each collection said it was (0: the first of a quiet spell). */
    const retries: number[] = [];
    let collected: () => void = () => undefined;
    const next = () => new Promise<void>((r) => (collected = r));
    stop = startIdleGc({
      quietMs: 400,
      onCollect: (_mb, retry) => {
        retries.push(retry);
        collections.push(youngGenerationBytes());
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

    // Nothing more while it stays quiet — but for up to six more while the young generation is
    // still grown (next test): wait for the collection after which it is not, or for the last.
    const done = () => collections.length >= 7 || collections.at(-1)! <= 8 * 1024 * 1024;
    while (!done()) await next();
    const settled = collections.length;
    await new Promise((r) => setTimeout(r, 1_000));
    expect(collections).toHaveLength(settled);
    // The first of the spell says so; each one after it is numbered as a retry.
    expect(retries).toEqual(Array.from({ length: settled }, (_, i) => i));
    // …and one more after new work: the first of a new spell.
    first = next();
    markBusy();
    await first;
    expect(collections).toHaveLength(settled + 1);
    expect(retries.at(-1)).toBe(0);
  });

  it("by default waits for a quiet minute, not seconds; 0 means never", () => {
    // Fake clock and timers: what is pinned is when the collection comes, so no real waiting.
    vi.useFakeTimers();
    const collections: number[] = [];
    stop = startIdleGc({ onCollect: () => collections.push(Date.now()) });
    const t0 = Date.now();
    markBusy();
    vi.advanceTimersByTime(30_000);
    expect(collections).toHaveLength(0);
    vi.advanceTimersByTime(35_000);
    // One after a quiet minute (and, if the young generation is still grown, retries 5 s apart).
    expect(collections.length).toBeGreaterThanOrEqual(1);
    expect(collections[0] - t0).toBeGreaterThanOrEqual(60_000);
    for (let i = 1; i < collections.length; i++) expect(collections[i] - collections[i - 1]).toBeLessThanOrEqual(7_500);
    stop();

    const never: number[] = [];
    stop = startIdleGc({ quietMs: 0, onCollect: () => never.push(Date.now()) });
    markBusy();
    vi.advanceTimersByTime(10 * 60_000);
    expect(never).toHaveLength(0);
  });

  it("gives back a young generation the burst grew, also while a little allocation goes on", async () => {
    const collections: number[] = [];
    stop = startIdleGc({ quietMs: 3_000, onCollect: () => collections.push(Date.now()) });
    // A burst: a lot allocated fast, some of it surviving a while, grows the young generation.
    let live: object[] = [];
    const t0 = Date.now();
    for (let round = 0; Date.now() - t0 < 1_500; round++) {
      markBusy();
      for (let i = 0; i < 1_000; i++) live.push({ i, s: `row ${i} ${Math.random()}` });
      if (live.length > 50_000) live = live.slice(25_000);
      if (round % 20 === 0) await new Promise((r) => setImmediate(r));
    }
    live = [];
    expect(youngGenerationBytes()).toBeGreaterThan(16 * 1024 * 1024);
    // Quiet, but not idle: a timer keeps allocating a little (as heartbeats and Redis polls do),
    // which can make V8 keep the grown generation after the first quiet-time collection.
    let sink: object[] = [];
    const trickle = setInterval(() => {
      sink = Array.from({ length: 1_000 }, (_, i) => ({ i, s: `tick ${i}` }));
    }, 200);
    try {
      const deadline = Date.now() + 25_000;
      while (!(collections.length > 0 && youngGenerationBytes() <= 8 * 1024 * 1024) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(collections.length).toBeGreaterThan(0);
      expect(youngGenerationBytes()).toBeLessThanOrEqual(8 * 1024 * 1024);
    } finally {
      clearInterval(trickle);
      void sink;
    }
  }, 45_000);
});
