import { writeFileSync } from 'node:fs';
import type { Row } from './context.ts';

/** The printed table, the JSON file and the Markdown report of one run. */

const fmt = (v: number | undefined, digits = 1) =>
  v === undefined || Number.isNaN(v)
    ? '—'
    : Math.abs(v) >= 100 || Number.isInteger(v)
      ? Math.round(v).toLocaleString('en-US')
      : v.toFixed(Math.abs(v) < 1 ? 3 : digits);

function cells(r: Row): string[] {
  return [
    r.scenario,
    r.metric,
    `${fmt(r.value)} ${r.unit}`.trim(),
    r.baseline === undefined ? '—' : `${fmt(r.baseline)} ${r.unit}`.trim(),
    r.ratio === undefined ? '—' : `${r.ratio.toFixed(2)}×`,
    r.target ?? '—',
    r.pass === undefined ? '' : r.pass ? 'pass' : 'FAIL',
    r.note ?? '',
  ];
}

const HEAD = ['scenario', 'metric', 'value', 'baseline', 'ratio', 'target', 'result', 'note'];

export function printTable(rows: Row[]): void {
  const all = [HEAD, ...rows.map(cells)];
  const widths = HEAD.map((_, i) => Math.max(...all.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((s, i) => s.padEnd(widths[i]!)).join('  ');
  console.log(`\n${line(HEAD)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  for (const c of all.slice(1)) console.log(line(c));
}

export function markdownTable(rows: Row[]): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  return [
    `| ${HEAD.join(' | ')} |`,
    `|${HEAD.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${cells(r).map(esc).join(' | ')} |`),
  ].join('\n');
}

export interface RunInfo {
  runId: string;
  startedAt: string;
  /** After the wait for a quiet machine. */
  measuredFrom: string;
  finishedAt: string;
  mode: string;
  loadBefore: number;
  loadWaitedSeconds: number;
  loadAfter: number;
  machine: { cpus: number; node: string; pinned?: { server: string; load: string } };
  errors: Array<{ scenario: string; error: string }>;
  notes: string[];
}

export function writeReport(base: string, info: RunInfo, rows: Row[], charts: string[]): void {
  writeFileSync(`${base}.json`, `${JSON.stringify({ ...info, rows }, null, 2)}\n`);
  const md = [
    `# Frontrow benchmark ${info.measuredFrom}`,
    '',
    `Mode: ${info.mode}. Machine: ${info.machine.cpus} CPUs, Node ${info.machine.node}` +
      `${info.machine.pinned ? ` (servers on core ${info.machine.pinned.server}, load on core ${info.machine.pinned.load})` : ''}. ` +
      `1-minute load average: ${info.loadBefore.toFixed(2)} at start` +
      `${info.loadWaitedSeconds ? ` (after waiting ${info.loadWaitedSeconds} s)` : ''}, ` +
      `${info.loadAfter.toFixed(2)} at the end.`,
    '',
    markdownTable(rows),
    '',
    ...(info.errors.length
      ? ['## Failures', '', ...info.errors.map((e) => `- **${e.scenario}**: ${e.error}`), '']
      : []),
    ...(info.notes.length ? ['## Notes', '', ...info.notes.map((n) => `- ${n}`), ''] : []),
    ...(charts.length ? ['## Plots', '', ...charts.map((c) => `![${c}](${c})`), ''] : []),
  ].join('\n');
  writeFileSync(`${base}.md`, md);
}
