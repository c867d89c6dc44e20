export function descendants(pid: number): Array<{ pid: number; cmdline: string }>;
export function rssKb(pid: number): number;
