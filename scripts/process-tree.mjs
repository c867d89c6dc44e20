// A process's descendants from Linux's /proc, for the checks that look at what `npm start` and tsx really run.
import { readdirSync, readFileSync } from 'node:fs';

/** Every process below `pid`, parents before their children, each with its command line (arguments joined by spaces). */
export function descendants(pid) {
  const children = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Field 4 of /proc/<pid>/stat is the parent; the command name before it may hold spaces, so split after ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // the process ended while we looked
    }
  }
  const out = [];
  const queue = [...(children.get(pid) ?? [])];
  while (queue.length > 0) {
    const child = queue.shift();
    try {
      out.push({
        pid: child,
        cmdline: readFileSync(`/proc/${child}/cmdline`, 'utf8').split('\0').join(' ').trim(),
      });
    } catch {
      continue;
    }
    queue.push(...(children.get(child) ?? []));
  }
  return out;
}

/** Resident set size of one process in KiB (VmRSS). */
export function rssKb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(status.match(/VmRSS:\s+(\d+)/)?.[1] ?? 0);
}
