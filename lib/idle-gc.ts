// Gives the memory of a burst back once the process has gone quiet.
//
// V8 grows its heap for a burst of work (a worker with 200 jobs in flight, an ingest under a flood
// of webhooks) and keeps most of it afterwards: its own memory reducer runs only on some idle
// signals, so a worker that handled a thousand runs sat at 140 MB for minutes where it started at
// 97 MB (docs/scaling.md, memory). Here a process that did work and then had none for `quietMs`
// runs one full collection, which returns the emptied pages to the system; then nothing until the
// next work. Busy processes never pay it: one flag per job or request is the whole cost. The quiet
// spell is a minute (IDLE_COLLECT_AFTER_MS): the first seconds of the next burst run slower on the
// emptied heap (measured: p99 about twice as long for 2–5 s, docs/scaling.md «Round 10»), so a
// process whose traffic pauses for seconds between bursts must not pay that at every pause.
import v8 from "node:v8";
import vm from "node:vm";

let busy = false;

/** Called on every unit of work (a job started, a request received). */
export function markBusy(): void {
  busy = true;
}

type Gc = () => void;

/** A young generation at rest is 1–2 MB; a burst grows it to up to 3 × 16 MB (3 × 32 in the worker, scripts/lib.mjs). */
const YOUNG_AT_REST_BYTES = 8 * 1024 * 1024;
const MAX_AGAIN = 6;
/** Between those collections: V8 gave the young generation back 5–8 s after a burst (below). */
const AGAIN_AFTER_MS = 5_000;

/** The young generation's current size (V8's "new_space"). */
export function youngGenerationBytes(): number {
  return v8.getHeapSpaceStatistics().find((s) => s.space_name === "new_space")?.space_size ?? 0;
}

/** V8's gc(), made callable without a command-line flag; null where the runtime refuses. */
export function gcFunction(): Gc | null {
  const existing = (globalThis as { gc?: Gc }).gc;
  if (existing) return existing;
  try {
    // V8's gc() without a command-line flag: allow it, then a fresh context exposes it.
    v8.setFlagsFromString("--expose-gc");
    return vm.runInNewContext("gc") as Gc;
  } catch {
    return null;
  }
}

/**
 * Starts the quiet-time collection for this process (an entry point calls it once). Returns a
 * stop function. `onCollect` reports each collection with the heap it freed, in MB, and which
 * retry it is (0: the first of a quiet spell; 1–6: again, the young generation still grown) (tests, logs;
 * the pages themselves go back to the system a moment later, off the main thread).
 */
export function startIdleGc(opts: { quietMs?: number; onCollect?: (freedMb: number, retry: number) => void } = {}): () => void {
  const quietMs = opts.quietMs ?? 60_000;
  if (quietMs <= 0) return () => undefined;
  const gc = gcFunction();
  if (!gc) return () => undefined;
  const againAfterMs = Math.min(quietMs / 2, AGAIN_AFTER_MS);
  // Starting up (loading modules, connecting) is a burst too: the first quiet spell collects.
  let dirty = true;
  let quietSince = Date.now();
  let again = 0;
  const timer = setInterval(
    () => {
      if (busy) {
        busy = false;
        dirty = true;
        again = 0;
        quietSince = Date.now();
        return;
      }
      if (!dirty || Date.now() - quietSince < quietMs) return;
      dirty = false;
      const before = process.memoryUsage().heapUsed;
      // Called without options: a full, memory-reducing collection that gives the pages back.
      // The options form (`{ type: "major", execution: "sync" }`) measured on Node 20 freed almost
      // nothing (40 of 42 MB of dead objects stayed) — the process kept a burst's heap.
      gc();
      opts.onCollect?.((before - process.memoryUsage().heapUsed) / 1024 / 1024, again);
      // V8 gives back the young generation a burst grew (up to 3 × 16 or 32 MB) only once its recent
      // allocation rate looks low, and a process that still allocates a little while quiet
      // (timers, heartbeats, Redis polls) may not look so yet: standalone, V8 gave it back only
      // 5–8 s after the burst. So while it is still grown, collect again 5 s later (half a quiet
      // spell when that is shorter), six times at most.
      if (youngGenerationBytes() > YOUNG_AT_REST_BYTES && again < MAX_AGAIN) {
        again++;
        dirty = true;
        quietSince = Date.now() - quietMs + againAfterMs;
      }
    },
    // Often enough that the retries come about 5 s apart also after a long quiet spell.
    Math.max(50, Math.floor(Math.min(quietMs / 4, againAfterMs / 2))),
  );
  timer.unref();
  return () => clearInterval(timer);
}
