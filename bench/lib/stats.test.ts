import { describe, expect, it } from 'vitest';
import { merge, percentile, record, slope, summarize, summarizeHistogram } from './stats.ts';
import { lineChart, niceMax } from './svg.ts';

describe('bench helpers', () => {
  it('percentiles by nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile([], 50)).toBeNaN();
    expect(summarize([3, 1, 2])).toMatchObject({ n: 3, p50: 2, max: 3 });
  });

  it('histograms merge and agree with the exact percentiles', () => {
    const a = {};
    const b = {};
    for (let i = 1; i <= 50; i++) record(a, i);
    for (let i = 51; i <= 100; i++) record(b, i);
    const h = summarizeHistogram(merge(a, b));
    expect(h).toMatchObject({ n: 100, p50: 50, p99: 99, max: 100 });
  });

  it('slope of a line', () => {
    expect(
      slope([
        [0, 1],
        [1, 3],
        [2, 5],
      ]),
    ).toBeCloseTo(2);
    expect(slope([[0, 1]])).toBe(0);
  });

  it('draws an SVG line chart with every series', () => {
    expect(niceMax(7)).toBe(10);
    expect(niceMax(130)).toBe(200);
    const svg = lineChart({
      title: 'Tick <latency>',
      xLabel: 's',
      yLabel: 'ms',
      series: [
        {
          name: 'p50',
          points: [
            [0, 1],
            [1, 2],
          ],
        },
        {
          name: 'p99',
          points: [
            [0, 3],
            [1, 9],
          ],
        },
      ],
    });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<path /g)).toHaveLength(2);
    expect(svg).toContain('Tick &lt;latency&gt;');
  });
});
