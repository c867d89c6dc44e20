import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface SeriesSpec {
  label: string;
  color: string;
  fill?: boolean;
}

/**
 * A rolling time chart (last `windowSeconds`) over uPlot. `push` appends one sample per series; the chart
 * follows its container's width.
 */
export function timeChart(
  container: HTMLElement,
  series: SeriesSpec[],
  opts: { windowSeconds?: number; format?: (v: number) => string } = {},
) {
  const windowSeconds = opts.windowSeconds ?? 300;
  const data: number[][] = [[], ...series.map(() => [])];
  const width = () => Math.max(240, (container.parentElement ?? container).clientWidth - 16);
  const format = opts.format;
  const plot = new uPlot(
    {
      width: width(),
      height: 180,
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] } },
      axes: [
        { stroke: '#6b6a80', grid: { stroke: '#eeedf5' } },
        {
          stroke: '#6b6a80',
          grid: { stroke: '#eeedf5' },
          size: 64,
          ...(format ? { values: (_u: uPlot, ticks: number[]) => ticks.map(format) } : {}),
        },
      ],
      series: [
        {},
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: 2,
          ...(s.fill ? { fill: `${s.color}22` } : {}),
          ...(format ? { value: (_u: uPlot, v: number | null) => (v === null ? '–' : format(v)) } : {}),
        })),
      ],
    },
    data as uPlot.AlignedData,
    container,
  );
  // Follow the card's width (the grid decides it, not the chart).
  new ResizeObserver(() => plot.setSize({ width: width(), height: 180 })).observe(
    container.parentElement ?? container,
  );

  return {
    push(at: number, values: number[]) {
      data[0]!.push(at / 1000);
      values.forEach((v, i) => {
        data[i + 1]?.push(v);
      });
      while ((data[0]![0] ?? 0) < at / 1000 - windowSeconds) for (const column of data) column.shift();
      plot.setData(data as uPlot.AlignedData);
    },
    clear() {
      for (const column of data) column.length = 0;
      plot.setData(data as uPlot.AlignedData);
    },
  };
}
