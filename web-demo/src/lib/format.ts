const wonFormat = new Intl.NumberFormat('ko-KR', { style: 'currency', currency: 'KRW' });

/** Money is integer won everywhere in Frontrow. */
export const won = (amount: number) => wonFormat.format(amount);

export const count = (n: number) => new Intl.NumberFormat('en-US').format(n);

/** "1 h 5 min", "4 min 10 s", "12 s". */
export function duration(totalSeconds: number): string {
  const s = Math.max(0, Math.round(totalSeconds));
  if (s >= 3600) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  if (s >= 600 || (s >= 60 && s % 60 === 0)) return `${Math.round(s / 60)} min`;
  if (s >= 60) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${s} s`;
}

/** "04:59" until `iso`; "00:00" once past. */
export function countdown(iso: string, now = Date.now()): string {
  const left = Math.max(0, Math.floor((Date.parse(iso) - now) / 1000));
  return `${String(Math.floor(left / 60)).padStart(2, '0')}:${String(left % 60).padStart(2, '0')}`;
}

export const secondsUntil = (iso: string, now = Date.now()) => (Date.parse(iso) - now) / 1000;

export function dateTime(iso: string): string {
  return new Date(iso).toLocaleString('en-GB', {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
  });
}

export function time(iso: string): string {
  return new Date(iso).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}
