import { Box } from '@mantine/core';
import { useElementSize } from '@mantine/hooks';
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface Series {
  label: string;
  color: string;
  values: number[];
}

interface TimeChartProps {
  /** Seconds since the epoch, one per sample. */
  times: number[];
  series: Series[];
  /** Axis values as the user reads them ("45 %", "1.2 MB/s"). */
  format: (value: number) => string;
  /** What the chart shows, for screen readers (the figures are also in text next to it). */
  label: string;
  /** Clock times in the user's language (uPlot's own are English). */
  formatTime: (ms: number) => string;
  max?: number;
}

/**
 * A small uPlot line chart of the last minutes. Time runs left to right in both languages, as on a
 * clock or a log, so the chart keeps `dir="ltr"` inside an Arabic page.
 */
export function TimeChart({ times, series, format, formatTime, label, max }: TimeChartProps) {
  const { ref: boxRef, width } = useElementSize();
  const target = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const shape = series.map((item) => `${item.label}:${item.color}`).join('|');

  useEffect(() => {
    if (!target.current || width === 0) return;
    const chart = new uPlot(
      {
        width,
        height: 140,
        legend: { show: false },
        cursor: { show: false },
        scales: {
          x: { time: true },
          y: { range: (_u, _min, dataMax) => [0, max ?? Math.max(dataMax * 1.1, 1)] },
        },
        axes: [
          {
            stroke: 'var(--mantine-color-dimmed)',
            grid: { show: false },
            ticks: { show: false },
            values: (_u, values) => values.map((seconds) => formatTime(seconds * 1000)),
          },
          {
            stroke: 'var(--mantine-color-dimmed)',
            size: 70,
            values: (_u, values) => values.map(format),
            grid: { stroke: 'rgba(128,128,128,0.15)' },
            ticks: { show: false },
          },
        ],
        series: [
          {},
          ...series.map((item) => ({
            label: item.label,
            stroke: item.color,
            width: 2,
            points: { show: false },
          })),
        ],
      },
      [times, ...series.map((item) => item.values)],
      target.current,
    );
    plot.current = chart;
    return () => {
      chart.destroy();
      plot.current = null;
    };
    // Rebuilt when its shape or size changes; new figures go through setData below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [width, shape, max]);

  useEffect(() => {
    plot.current?.setData([times, ...series.map((item) => item.values)]);
  }, [times, series]);

  return (
    <Box ref={boxRef} dir="ltr" role="img" aria-label={label}>
      <div ref={target} />
    </Box>
  );
}
