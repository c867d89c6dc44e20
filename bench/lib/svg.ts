/** A dependency-free SVG line chart: enough for the report's queue, admission and latency plots. */

export interface Series {
  name: string;
  points: ReadonlyArray<readonly [number, number]>;
}

export interface ChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  width?: number;
  height?: number;
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd'];

const escapeXml = (s: string) =>
  s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** Rounds an axis maximum up to 1, 2 or 5 × a power of ten, so tick labels stay readable. */
export function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const pow = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * pow >= v) return m * pow;
  return 10 * pow;
}

const label = (v: number) => (Math.abs(v) >= 1000 ? `${+(v / 1000).toFixed(1)}k` : `${+v.toFixed(2)}`);

export function lineChart(spec: ChartSpec): string {
  const width = spec.width ?? 640;
  const height = spec.height ?? 320;
  const pad = { left: 60, right: 20, top: 36, bottom: 44 };
  const all = spec.series.flatMap((s) => s.points);
  const xMin = all.length ? Math.min(...all.map((p) => p[0])) : 0;
  const xMax = all.length ? Math.max(...all.map((p) => p[0])) : 1;
  const yMax = niceMax(all.length ? Math.max(...all.map((p) => p[1])) : 1);
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const sx = (x: number) => pad.left + ((x - xMin) / (xMax - xMin || 1)) * plotW;
  const sy = (y: number) => pad.top + plotH - (y / yMax) * plotH;

  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="18" text-anchor="middle" font-size="14">${escapeXml(spec.title)}</text>`,
  ];
  for (let i = 0; i <= 4; i++) {
    const v = (yMax * i) / 4;
    out.push(
      `<line x1="${pad.left}" x2="${width - pad.right}" y1="${sy(v)}" y2="${sy(v)}" stroke="#ddd"/>`,
      `<text x="${pad.left - 6}" y="${sy(v) + 4}" text-anchor="end">${label(v)}</text>`,
    );
    const x = xMin + ((xMax - xMin) * i) / 4;
    out.push(`<text x="${sx(x)}" y="${height - pad.bottom + 16}" text-anchor="middle">${label(x)}</text>`);
  }
  out.push(
    `<text x="${pad.left + plotW / 2}" y="${height - 8}" text-anchor="middle">${escapeXml(spec.xLabel)}</text>`,
    `<text x="14" y="${pad.top + plotH / 2}" text-anchor="middle" transform="rotate(-90 14 ${pad.top + plotH / 2})">${escapeXml(spec.yLabel)}</text>`,
  );
  spec.series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    const d = s.points
      .map((p, j) => `${j ? 'L' : 'M'}${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`)
      .join('');
    if (d) out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="1.5"/>`);
    out.push(
      `<text x="${pad.left + 8 + i * 150}" y="${pad.top - 6}" fill="${color}">${escapeXml(s.name)}</text>`,
    );
  });
  out.push('</svg>');
  return out.join('\n');
}
