// «Не чаще N запросов в секунду к этому хосту», shared by every worker process through Redis.
//
// A sliding log per (user, host): a sorted set of the send times of the last window, checked and
// appended atomically by one Lua script using Redis's clock (so workers on different machines
// agree). Over the limit the caller is told how long until the oldest send leaves the window and
// sleeps that long (plus a little jitter so waiters do not all retry at once) — it never fails for
// it. Fixed-window limiters (rate-limiter-flexible's default, Bottleneck's reservoir) may let 2N
// through around a window edge; Bitrix24 answers that with 503 QUERY_LIMIT_EXCEEDED.
//
// The window is 1 s plus a safety margin (WINDOW_MARGIN_MS, 250 ms) that absorbs the time between
// the check and the request reaching the host (event-loop lag of a busy worker, the network), so
// the host sees at most N in any second; the price is an effective rate of N per 1.25 s.
// A slot's time is then moved to when its request really left (`sent()`, called by the HTTP client
// once the request is handed to the network; ZADD XX with Redis's clock): a request held up longer
// than the margin (a starved worker) still counts from its real departure, so the requests granted
// after it wait for it instead of arriving together with it.
import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import type { RateSlot } from "../actions/define-action";
import { defaultSleep } from "./run-steps";

export const WINDOW_MARGIN_MS = 250;
const WINDOW_MS = 1000 + WINDOW_MARGIN_MS;

const SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local n = redis.call('ZCARD', KEYS[1])
if n < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window + 1000)
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return tonumber(oldest[2]) + window - now + 1
`;

const SENT_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], 'XX', now, ARGV[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) + 1000)
return 0
`;

export type RateLimiter = (scope: string, host: string, perSecond: number, signal: AbortSignal) => Promise<RateSlot>;

export function createRateLimiter(redis: Redis, opts: { sleep?: (ms: number, signal: AbortSignal) => Promise<void> } = {}): RateLimiter {
  const sleep = opts.sleep ?? defaultSleep;
  redis.defineCommand("hookflowRateSlot", { numberOfKeys: 1, lua: SCRIPT });
  redis.defineCommand("hookflowRateSent", { numberOfKeys: 1, lua: SENT_SCRIPT });
  const sentCmd = (redis as unknown as { hookflowRateSent(key: string, member: string, window: number): Promise<number> }).hookflowRateSent.bind(redis);
  const slot = (redis as unknown as { hookflowRateSlot(key: string, limit: number, window: number, member: string): Promise<number> }).hookflowRateSlot.bind(
    redis,
  );
  return async (scope, host, perSecond, signal) => {
    const limit = Math.max(1, Math.floor(perSecond));
    const key = `hookflow:rl:${scope}:${host.toLowerCase()}`;
    const member = randomUUID();
    for (;;) {
      const wait = await slot(key, limit, WINDOW_MS, member);
      if (wait <= 0) {
        let done = false;
        return {
          sent: () => {
            if (done) return;
            done = true;
            // Best effort: if Redis is unreachable the slot keeps its grant time.
            sentCmd(key, member, WINDOW_MS).catch(() => undefined);
          },
        };
      }
      await sleep(wait + Math.floor(Math.random() * 20), signal);
    }
  };
}
