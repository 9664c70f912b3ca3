// Gives the memory of a burst back once the process has gone quiet.
//
// V8 grows its heap for a burst of work (a worker with 200 jobs in flight, an ingest under a flood
// of webhooks) and keeps most of it afterwards: its own memory reducer runs only on some idle
// signals, so a worker that handled a thousand runs sat at 140 MB for minutes where it started at
// 97 MB (docs/scaling.md, memory). Here a process that did work and then had none for `quietMs`
// runs one full collection, which returns the emptied pages to the system; then nothing until the
// next work. Busy processes never pay it: one flag per job or request is the whole cost.
import v8 from "node:v8";
import vm from "node:vm";

let busy = false;

/** Called on every unit of work (a job started, a request received). */
export function markBusy(): void {
  busy = true;
}

type Gc = () => void;

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
 * stop function. `onCollect` reports each collection with the heap it freed, in MB (tests, logs;
 * the pages themselves go back to the system a moment later, off the main thread).
 */
export function startIdleGc(opts: { quietMs?: number; onCollect?: (freedMb: number) => void } = {}): () => void {
  const quietMs = opts.quietMs ?? 10_000;
  const gc = gcFunction();
  if (!gc) return () => undefined;
  // Starting up (loading modules, connecting) is a burst too: the first quiet spell collects.
  let dirty = true;
  let quietSince = Date.now();
  const timer = setInterval(
    () => {
      if (busy) {
        busy = false;
        dirty = true;
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
      opts.onCollect?.((before - process.memoryUsage().heapUsed) / 1024 / 1024);
    },
    Math.max(50, Math.floor(quietMs / 4)),
  );
  timer.unref();
  return () => clearInterval(timer);
}
