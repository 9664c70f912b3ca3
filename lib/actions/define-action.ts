// The action contract. One defineAction() per action type; lib/actions/registry.ts lists them.
// Browser-loadable: no storage, no node:* — everything with side effects arrives through ctx.
import type { z } from "zod";
import type { CastType, OnMissing } from "../definition/placeholders";

export type Localized = { ru: string; en: string };

/** A slot granted by the rate limit: `sent()` moves its time to when the request really left. */
export type RateSlot = { sent: () => void };

export type HttpRequest = {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Credential values this request may carry: headers holding one are dropped on a redirect to another origin. */
  secretValues?: string[];
  /** Called once, when the (first) request has been handed to the network. */
  onSent?: () => void;
};

export type HttpResponse = {
  status: number;
  /** Lower-cased names; repeated headers joined with ", " (set-cookie kept as an array). */
  headers: Record<string, string | string[]>;
  body: string;
  /** The URL that answered, after redirects. */
  url: string;
};

export type HttpClient = (request: HttpRequest) => Promise<HttpResponse>;

export type OutboundErrorCode = "blocked" | "bad_url" | "timeout" | "too_large" | "too_many_redirects" | "network" | "aborted";

/** Raised by ctx.http. Only "network" and "timeout" are worth retrying. */
export class OutboundError extends Error {
  constructor(
    readonly code: OutboundErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "OutboundError";
  }
}

/** «Хранилище» of the run's account (lib/store/store-client.ts); absent where no account is known. */
export type StoreClient = {
  get(collection: string, key: string): Promise<{ value: unknown; expiresAt: string | null } | null>;
  set(collection: string, key: string, value: unknown, ttlSeconds?: number | null): Promise<void>;
  /** Atomic; returns the new value. */
  increment(collection: string, key: string, by: number, ttlSeconds?: number | null): Promise<number>;
  delete(collection: string, key: string): Promise<boolean>;
  /** Holds a lock on the key while `fn` runs (find → create → save); `locked` reads/writes inside it. */
  withLock<T>(collection: string, key: string, fn: (locked: LockedKey) => Promise<T>): Promise<T>;
};

export type LockedKey = {
  get(): Promise<{ value: unknown } | null>;
  set(value: unknown, ttlSeconds?: number | null): Promise<void>;
};

/**
 * The signal of a run nobody can cancel (the worker's): its controller is unreachable, so it never
 * aborts, and a listener on it would never fire — ctx.http and the sleeps skip listening to it.
 */
export const NEVER_ABORTED: AbortSignal = new AbortController().signal;

export type ActionContext = {
  runId: string;
  stepId: string;
  signal: AbortSignal;
  http: HttpClient;
  store?: StoreClient;
  log: (message: string, data?: Record<string, unknown>) => void;
  /** Waits between retries; tests pass a fast one. Must reject when `signal` aborts. */
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  /**
   * Waits for a slot under «не чаще N запросов в секунду» to `host` (shared by all worker
   * processes through Redis). Absent (tests, «Проверить шаг» without Redis): no limit.
   */
  rateLimit?: (host: string, perSecond: number, signal: AbortSignal) => Promise<RateSlot | void>;
  /** Now, for steps that compute times («Задержка»); tests pass a fixed clock. */
  now?: () => number;
};

export type ActionResult = {
  output: Record<string, unknown>;
  /** How many tries it took (HTTP retries); 1 when absent. */
  attempts?: number;
};

/**
 * What kind of failure a step met, for the run page's plain-language explanation (the engine
 * stores it with the step as RunStep.errorDetail, so no screen parses error text back).
 */
export type ErrorKind =
  "auth" | "not-found" | "validation" | "rate-limit" | "server" | "timeout" | "private-address" | "network" | "http" | "template" | "config" | "other";

export type ErrorDetail = {
  kind: ErrorKind;
  /** HTTP status of the answer that failed the step. */
  status?: number;
  /** host[:port] the request went to. */
  host?: string;
  /** The start of the answer's body (secrets masked), as received. */
  body?: string;
  /** The destination's own words, taken from its JSON error (message / description / detail …). */
  message?: string;
  attempts?: number;
  /** Credential names the step's settings use (filled in by the engine). */
  credentials?: string[];
  /** The step's field the failure is about (template errors). */
  field?: string;
};

/** A step failure with a user-facing message (Russian) and its English form. */
export class ActionError extends Error {
  constructor(
    message: string,
    readonly messageEn: string = message,
    readonly code: string = "action_failed",
    readonly attempts?: number,
    readonly detail?: ErrorDetail,
  ) {
    super(message);
    this.name = "ActionError";
  }
}

/** Template rendering bound to one step's scope and its onMissing policy (made by the engine). */
export type Resolver = {
  onMissing: OnMissing;
  text(template: string, field: string): string;
  url(template: string, field: string): string;
  value(template: string, field: string, cast?: CastType): unknown;
  json(template: string, field: string): unknown;
};

export type OutputField = { key: string; label: string | Localized };

/** How the step form shows a config field; a field without a hint gets the widget its zod type implies. */
export type FieldWidget = "json" | "placeholder" | "text" | "hidden" | "conditions" | "branches";
export type FormRow = Record<string, string>;
export type FieldHint = {
  widget?: FieldWidget;
  /** Shown only when this returns true for the current config. */
  when?: (config: Record<string, unknown>) => boolean;
  /** Columns of a rows field that are plain text (names, paths) rather than placeholder inputs. */
  plainColumns?: string[];
  /** Columns not shown (e.g. the parser's stable output key, set by completeRow). */
  hiddenColumns?: string[];
  /** When a row's «name» cell loses focus: the rows with that row completed (the parser fixes its output key). */
  completeRow?: (rows: readonly FormRow[], index: number) => readonly FormRow[];
};
/** Hints by config field name. */
export type FormHints = Record<string, FieldHint>;

export type ActionDefinition<S extends z.ZodType = z.ZodType, R = z.output<S>> = {
  type: string;
  /**
   * "none": running the step again changes nothing outside the run (composer, parser, flow,
   * reading the store), so the engine need not commit its row before going on. "external": it
   * writes somewhere (HTTP, the store): its row is committed before the next step, so a worker
   * killed later resumes after it and does not repeat it.
   */
  sideEffects: "none" | "external";
  label: Localized;
  description: Localized;
  /** A short icon id the editor maps to an icon. */
  icon: string;
  configSchema: S;
  /** How the editor's step form shows the config fields (components/editor/step-form.tsx). */
  form: FormHints;
  /**
   * The failure kinds this step puts in its error detail, besides those any step can meet
   * ("config", "template", "other"); the run page has a plain-language explanation for each.
   */
  errors: readonly ErrorKind[];
  /** Its input and output are an HTTP request and its answer: the run page shows them as an exchange. */
  httpExchange?: boolean;
  defaultConfig: z.input<S>;
  outputs: (config: z.output<S>) => OutputField[];
  /** One line for the canvas node, e.g. "POST api.weeek.net/public/v1/crm/contacts". */
  summary: (config: z.output<S>) => string;
  /**
   * Turns the validated config into the input `run` receives by resolving its tokens. What it
   * returns is what the history shows as the step's input (after masking).
   */
  resolve: (config: z.output<S>, r: Resolver) => R;
  run: (input: R, ctx: ActionContext) => Promise<ActionResult>;
  /**
   * Flow-control steps (lib/actions/flow.ts): the engine reads their output —
   * "filter": `{passed}` (false ends the run FILTERED); "branch": `{branch}` picks the edges whose
   * `branch` matches; "delay": `{until}` (ISO) parks the run until then.
   */
  flow?: "filter" | "branch" | "delay";
  /** Branch keys and names of a "branch" step (one canvas handle each), «Иначе» ("else") last. */
  branches?: (config: z.output<S>) => { key: string; label: string | Localized }[];
  /**
   * The part of a succeeded output that history search by value indexes (docs/history.md); the
   * whole output when absent.
   */
  searchable?: (output: unknown) => unknown;
};

export type AnyAction = ActionDefinition<z.ZodType, unknown>;

export function defineAction<S extends z.ZodType, R>(def: ActionDefinition<S, R>): ActionDefinition<S, R> {
  return def;
}
