// Types for scripts/services.mjs.
import type { ChildProcess } from "node:child_process";

export const DEFAULT_DATABASE_URL: string;
export const DEFAULT_REDIS_URL: string;
export const EMBEDDED_PG_PORT: number;
export const EMBEDDED_REDIS_PORT: number;
export function embeddedMode(env: Record<string, string | undefined>): "auto" | "force" | "never";
export function answers(host: string, port: number, timeoutMs?: number): Promise<boolean>;
export type ServicePlan = { source: "configured" | "default" | "embedded"; url?: string; port?: number; address?: string };
export function planServices(
  env: Record<string, string | undefined>,
  probe?: (host: string, port: number) => Promise<boolean>,
): Promise<{ mode: "auto" | "force" | "never"; postgres: ServicePlan; redis: ServicePlan }>;
export type EmbeddedService = {
  name: string;
  url: string;
  child: ChildProcess;
  spawn: () => ChildProcess;
  stop: (child: ChildProcess) => Promise<void>;
  describe: (pid: number | undefined) => string;
};
export function startEmbeddedPostgres(dir: string, port: number): Promise<EmbeddedService>;
export function startEmbeddedRedis(dir: string, port: number, opts?: { find?: () => string | null; canApt?: () => boolean }): Promise<EmbeddedService>;
export function findRedisServer(env?: Record<string, string | undefined>): string | null;
