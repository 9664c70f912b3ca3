// Before start: valid config, reachable Postgres and Redis (with how to start them if not),
// database created and migrated. Prints one clear line per problem instead of a stack trace.
import pg from "pg";
import { Redis } from "ioredis";
import { env, EnvError } from "../lib/env";
import { migrate } from "./db";

function fail(lines: string[]): never {
  console.error("\n" + lines.map((l) => `  ${l}`).join("\n") + "\n");
  process.exit(1);
}

export async function checkPostgres(url: string): Promise<string | null> {
  const u = new URL(url);
  u.pathname = "/postgres";
  const client = new pg.Client({ connectionString: u.toString(), connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return null;
  } catch (err) {
    return (err as Error).message || String(err);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function checkRedis(url: string): Promise<string | null> {
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 3_000 });
  r.on("error", () => undefined);
  try {
    await r.connect();
    await r.ping();
    return null;
  } catch (err) {
    return (err as Error).message || String(err);
  } finally {
    r.disconnect();
  }
}

const hostOf = (url: string) => {
  const u = new URL(url);
  return `${u.hostname}:${u.port || (u.protocol.startsWith("redis") ? 6379 : 5432)}`;
};

async function main() {
  let cfg;
  try {
    cfg = env();
  } catch (err) {
    if (err instanceof EnvError) fail([err.message, "Fix the variable(s) above (environment or .env) and start again."]);
    throw err;
  }
  const [pgErr, redisErr] = await Promise.all([checkPostgres(cfg.DATABASE_URL), checkRedis(cfg.REDIS_URL)]);
  const problems: string[] = [];
  if (pgErr) {
    problems.push(
      `PostgreSQL is not reachable at ${hostOf(cfg.DATABASE_URL)} (DATABASE_URL): ${pgErr}`,
      "  start it with:  docker compose up -d postgres",
      "  or (Debian):    apt-get install -y postgresql && pg_ctlcluster $(ls /etc/postgresql) main start",
      "  or leave DATABASE_URL unset (and HOOKFLOW_EMBEDDED unset or 1): `npm start` then runs an embedded PostgreSQL",
    );
  }
  if (redisErr) {
    problems.push(
      `Redis is not reachable at ${hostOf(cfg.REDIS_URL)} (REDIS_URL): ${redisErr}`,
      "  start it with:  docker compose up -d redis",
      "  or (Debian):    apt-get install -y redis-server && redis-server --daemonize yes --appendonly yes",
      "  or leave REDIS_URL unset (and HOOKFLOW_EMBEDDED unset or 1): `npm start` then runs redis-server itself",
    );
  }
  if (problems.length) fail(problems);
  const applied = await migrate(cfg.DATABASE_URL);
  console.log(`[start] database ready${applied.length ? ` (applied ${applied.join(", ")})` : ""}`);
}

main().catch((err) => fail([`Preflight failed: ${err instanceof Error ? err.message : String(err)}`]));
