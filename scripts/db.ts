// Database chores without the Prisma CLI's downloaded schema engine (see docs/migrations.md):
//   tsx scripts/db.ts migrate        create the database if missing, apply prisma/migrations
//   tsx scripts/db.ts new <name>     diff schema.prisma against the last migration's snapshot
//   tsx scripts/db.ts reset          drop + recreate the database, then migrate (tests only)
// The migrations folder stays in Prisma's standard format, so `prisma migrate deploy` works too.
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";
import { bindMigrationAwareSqlAdapterFactory } from "@prisma/driver-adapter-utils";
import { ensureLocalSecrets } from "../lib/local-secrets";

const root = path.resolve(import.meta.dirname, "..");
const schemaPath = path.join(root, "prisma", "schema.prisma");
const migrationsDir = path.join(root, "prisma", "migrations");
const snapshotPath = path.join(migrationsDir, "schema.snapshot.prisma");
const lockPath = path.join(migrationsDir, "migration_lock.toml");

type Engine = {
  diff(p: unknown): Promise<{ exitCode: number; stdout: string }>;
  applyMigrations(p: unknown): Promise<{ appliedMigrationNames: string[] }>;
  free(): void;
};

type ScriptAdapter = { executeScript(script: string): Promise<void>; client: pg.Pool; onError(e: unknown): never };

/**
 * @prisma/adapter-pg's executeScript splits a migration at every ";" — inside function bodies and
 * string literals too — and runs the pieces one by one. Here a migration goes to Postgres whole: one
 * simple-protocol query, which Postgres runs as one implicit transaction (all of it or none of it),
 * so a migration may hold plpgsql functions written the ordinary way ($$ … $$).
 */
function wholeScripts(factory: PrismaPg): PrismaPg {
  const wrap = <T>(adapter: T): T => {
    const a = adapter as unknown as ScriptAdapter;
    a.executeScript = async (script) => {
      try {
        await a.client.query(script);
      } catch (e) {
        a.onError(e);
      }
    };
    return adapter;
  };
  const connect = factory.connect.bind(factory);
  const connectToShadowDb = factory.connectToShadowDb.bind(factory);
  factory.connect = async () => wrap(await connect());
  factory.connectToShadowDb = async () => wrap(await connectToShadowDb());
  return factory;
}

async function loadEngine(connectionString: string): Promise<Engine> {
  const require = createRequire(import.meta.url);
  const gluePath = require.resolve("@prisma/schema-engine-wasm/schema_engine_bg");
  const glue = await import(pathToFileURL(gluePath).href);
  const bytes = fs.readFileSync(path.join(path.dirname(gluePath), "schema_engine_bg.wasm"));
  const { instance } = await WebAssembly.instantiate(bytes, { "./schema_engine_bg.js": glue });
  glue.__wbg_set_wasm(instance.exports);
  (instance.exports as { __wbindgen_start?: () => void }).__wbindgen_start?.();
  const adapterFactory = bindMigrationAwareSqlAdapterFactory(wholeScripts(new PrismaPg({ connectionString })));
  const schema = fs.readFileSync(schemaPath, "utf8");
  const log = (line: string) => {
    if (process.env.DB_DEBUG) console.error(line);
  };
  return glue.SchemaEngine.new({ datamodels: [[schemaPath, schema]] }, log, adapterFactory);
}

function dbName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, "")) || "postgres";
}

function adminUrl(url: string): string {
  const u = new URL(url);
  u.pathname = "/postgres";
  return u.toString();
}

export async function ensureDatabase(url: string, { drop = false } = {}): Promise<void> {
  const name = dbName(url);
  const client = new pg.Client({ connectionString: adminUrl(url) });
  await client.connect();
  try {
    const quoted = '"' + name.replace(/"/g, '""') + '"';
    if (drop) await client.query(`DROP DATABASE IF EXISTS ${quoted} WITH (FORCE)`);
    const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (!rowCount) {
      await client.query(`CREATE DATABASE ${quoted}`);
      console.log(`[db] created database ${name}`);
    }
  } finally {
    await client.end();
  }
}

function migrationFolders(): string[] {
  if (!fs.existsSync(migrationsDir)) return [];
  return fs
    .readdirSync(migrationsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(migrationsDir, d.name, "migration.sql")))
    .map((d) => d.name)
    .sort();
}

export async function migrate(url: string): Promise<string[]> {
  await ensureDatabase(url);
  const engine = await loadEngine(url);
  try {
    const folders = migrationFolders();
    const result = await engine.applyMigrations({
      migrationsList: {
        baseDir: migrationsDir,
        lockfile: { path: "migration_lock.toml", content: fs.readFileSync(lockPath, "utf8") },
        shadowDbInitScript: "",
        migrationDirectories: folders.map((name) => ({
          path: name,
          migrationFile: {
            path: "migration.sql",
            content: { tag: "ok", value: fs.readFileSync(path.join(migrationsDir, name, "migration.sql"), "utf8") },
          },
        })),
      },
      filters: { externalTables: [], externalEnums: [] },
    });
    return result.appliedMigrationNames;
  } finally {
    engine.free();
  }
}

async function newMigration(url: string, name: string): Promise<void> {
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error("migration name: use lowercase letters, digits and _");
  await ensureDatabase(url);
  const engine = await loadEngine(url);
  try {
    const current = fs.readFileSync(schemaPath, "utf8");
    const from = fs.existsSync(snapshotPath)
      ? { tag: "schemaDatamodel", files: [{ path: schemaPath, content: fs.readFileSync(snapshotPath, "utf8") }] }
      : { tag: "empty" };
    const { stdout } = await engine.diff({
      from,
      to: { tag: "schemaDatamodel", files: [{ path: schemaPath, content: current }] },
      script: true,
      exitCode: null,
      shadowDatabaseUrl: null,
      filters: { externalTables: [], externalEnums: [] },
    });
    if (!stdout.trim() || /^-- This is an empty migration/.test(stdout.trim())) {
      console.log("[db] schema unchanged: no migration written");
      return;
    }
    const stamp = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
    const dir = path.join(migrationsDir, `${stamp}_${name}`);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "migration.sql"), stdout);
    fs.writeFileSync(snapshotPath, current);
    if (!fs.existsSync(lockPath)) {
      fs.writeFileSync(lockPath, '# Please do not edit this file manually\nprovider = "postgresql"\n');
    }
    console.log(`[db] wrote ${path.relative(root, dir)}/migration.sql`);
  } finally {
    engine.free();
  }
}

async function main() {
  ensureLocalSecrets(process.env, root);
  const url = process.env.DATABASE_URL || "postgresql://postgres@127.0.0.1:5432/hookflow";
  const [cmd, arg] = process.argv.slice(2);
  if (cmd === "migrate") {
    const applied = await migrate(url);
    console.log(`[db] ${dbName(url)}: ${applied.length ? `applied ${applied.join(", ")}` : "up to date"}`);
  } else if (cmd === "reset") {
    await ensureDatabase(url, { drop: true });
    const applied = await migrate(url);
    console.log(`[db] ${dbName(url)} reset, applied ${applied.length} migration(s)`);
  } else if (cmd === "new") {
    if (!arg) throw new Error("usage: npm run db:new -- <name>");
    await newMigration(url, arg);
  } else {
    throw new Error("usage: tsx scripts/db.ts migrate|reset|new <name>");
  }
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith("scripts/db.ts")) {
  main().catch((err) => {
    console.error(`[db] ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
