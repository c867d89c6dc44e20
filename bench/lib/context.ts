import type { RedisClient, RedisConnections } from '@frontrow/server/redis/client';
import type { Pool } from 'mysql2/promise';
import type { Api } from './api.ts';
import type { Proc } from './procs.ts';
import type { ChartSpec } from './svg.ts';

/** What a scenario gets from the harness, and what it hands back: table rows and charts. */

export interface Row {
  scenario: string;
  metric: string;
  value: number;
  unit: string;
  baseline?: number;
  /** value / baseline. */
  ratio?: number;
  target?: string;
  pass?: boolean;
  note?: string;
}

export interface Ctx {
  quick: boolean;
  soak: boolean;
  /** `--sockets N`: fewer sockets for development runs. */
  sockets?: number;
  runId: string;
  /** The environment the servers under test run with (a scenario may start more of them). */
  env: Readonly<Record<string, string>>;
  api: Api;
  url: string;
  admin: string;
  /** The API process (ROLE=api), or every role with --single-process. */
  server: Proc;
  /** The worker process (ROLE=worker); absent with --single-process. */
  worker?: Proc;
  db: Pool;
  redis: RedisClient;
  connections: RedisConnections;
  redisPrefix: string;
  logDir: string;
  readyWindowMs: number;
  /** Starts a baseline process (bench/lib/baseline-*.ts) on a free port; stopped by the scenario. */
  baseline(kind: 'http' | 'io' | 'tx'): Promise<{ url: string; proc: Proc }>;
  /** A second API process (ROLE=api) on the same database and key prefix, for the 20,000-socket run. */
  extraServer(): Promise<{ url: string; proc: Proc }>;
  chart(file: string, spec: ChartSpec): void;
  /** Fan sets one scenario leaves for a later one (the same N fans for push and polling). */
  shared: Map<string, unknown>;
}

export interface Scenario {
  name: string;
  title: string;
  run(ctx: Ctx): Promise<Row[]>;
}

/** A row with its ratio and pass/fail filled in from `ok` (which sees the value, and the ratio if any). */
export function row(
  r: Omit<Row, 'ratio' | 'pass'> & { ok?: (value: number, ratio: number | undefined) => boolean },
): Row {
  const { ok, ...rest } = r;
  const ratio = r.baseline ? r.value / r.baseline : undefined;
  return { ...rest, ...(ratio !== undefined ? { ratio } : {}), ...(ok ? { pass: ok(r.value, ratio) } : {}) };
}

/** Fails the scenario loudly: a correctness check, not a performance target. */
export function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`CHECK FAILED: ${message}`);
}
