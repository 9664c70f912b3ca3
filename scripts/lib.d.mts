// Types for scripts/lib.mjs (plain Node, so `npm start` and `npm test` run before dependencies exist).
import type { ChildProcess, SpawnOptions } from "node:child_process";

export const root: string;
export function sh(cmd: string, args: string[], opts?: SpawnOptions): void;
export function ensureDependencies(): void;
export function run(cmd: string, args: string[], opts?: SpawnOptions): { child: ChildProcess; done: Promise<number> };
export const RESTART_FIRST_MS: number;
export const RESTART_MAX_MS: number;
export const HEALTHY_MS: number;
export function restartDelay(crashes: number): number;
export function stopChild(child: ChildProcess, signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
export type Unit = {
  name: string;
  spawn: () => ChildProcess;
  child?: ChildProcess | null;
  stop?: (child: ChildProcess) => Promise<void>;
  describe?: (pid: number | undefined) => string;
  strictStart?: boolean;
  restarts?: number;
};
export function supervise(tiers: Unit[][], opts?: { exit?: (code: number) => void }): { stop(code: number, why: string): Promise<void> };
export const NODE_FLAGS: { web: string[]; worker: string[] };
export function nodeFlags(role: "web" | "worker", nodeOptions?: string): string[];
export function appUnits(extraEnv?: Record<string, string | undefined>): Unit[];
