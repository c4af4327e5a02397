// The latency sparkline: the last N probes of a mount as a small SVG line. Probes that did not finish
// (hung, stuck) have no latency; they are drawn as full-height marks in the problem colour so a freeze
// stands out. Drawn with SVG attributes only - the window's CSP allows no inline style attributes.
import type { ProbePoint } from '../common/status-view/latency-history.js';
import { latencyInWords } from '../common/status-view/durations.js';
import { svg } from './dom.js';

const SPARK_WIDTH = 96;
const SPARK_HEIGHT = 24;

export function sparklineSummary(points: readonly ProbePoint[]): string {
  const lat = points.flatMap((p) => (p.latencyMs === undefined ? [] : [p.latencyMs]));
  const failed = points.length - lat.length;
  if (points.length === 0) return 'no probes yet';
  const parts = [`last ${points.length} probe${points.length === 1 ? '' : 's'}`];
  if (lat.length > 0) parts.push(`${latencyInWords(Math.min(...lat))} to ${latencyInWords(Math.max(...lat))}`);
  if (failed > 0) parts.push(`${failed} did not answer`);
  return parts.join(', ');
}

/** Fewest probe places drawn, so two or three probes are not stretched across the whole width. */
const MIN_SLOTS = 12;

/** Builds the sparkline for `points` (oldest first), filling from the right as probes arrive. */
export function renderSparkline(points: readonly ProbePoint[]): SVGSVGElement {
  const slots = Math.max(MIN_SLOTS, points.length);
  const pad = 2;
  const w = SPARK_WIDTH;
  const hgt = SPARK_HEIGHT;
  const root = svg('svg', { class: 'sparkline', width: w, height: hgt, viewBox: `0 0 ${w} ${hgt}`, 'aria-hidden': 'true', focusable: 'false' });
  root.append(svg('line', { class: 'spark-base', x1: 0, y1: hgt - pad, x2: w, y2: hgt - pad }));
  const title = svg('title');
  title.textContent = sparklineSummary(points);
  root.append(title);
  if (points.length === 0) return root;
  const step = (w - 2 * pad) / Math.max(1, slots - 1);
  const x0 = w - pad - (points.length - 1) * step;
  const max = Math.max(1, ...points.flatMap((p) => (p.latencyMs === undefined ? [] : [p.latencyMs])));
  const y = (ms: number): number => hgt - pad - (ms / max) * (hgt - 2 * pad);
  // One polyline per run of finished probes, broken where a probe did not answer.
  let run: string[] = [];
  const flush = (): void => {
    if (run.length > 1) root.append(svg('polyline', { class: 'spark-line', points: run.join(' ') }));
    else if (run.length === 1) {
      const [cx, cy] = run[0]!.split(',');
      root.append(svg('circle', { class: 'spark-dot', cx: cx!, cy: cy!, r: 1.5 }));
    }
    run = [];
  };
  points.forEach((p, i) => {
    const x = (x0 + i * step).toFixed(1);
    if (p.latencyMs === undefined) {
      flush();
      root.append(svg('rect', { class: 'spark-fail', x: (Number(x) - 1).toFixed(1), y: pad, width: 2, height: hgt - 2 * pad }));
    } else {
      run.push(`${x},${y(p.latencyMs).toFixed(1)}`);
    }
  });
  flush();
  const last = points[points.length - 1]!;
  if (last.latencyMs !== undefined) {
    root.append(svg('circle', { class: 'spark-last', cx: (x0 + (points.length - 1) * step).toFixed(1), cy: y(last.latencyMs).toFixed(1), r: 2 }));
  }
  return root;
}
