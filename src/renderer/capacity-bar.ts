// The capacity bar: how full a filesystem is, as df(1) counts it - used / (used + available), since the
// blocks reserved for root (free - avail) are not available to the user.
import type { Capacity } from '../common/mount.js';
import { bytesInWords } from '../common/status-view/durations.js';
import { h, setAttrs, setText } from './dom.js';

export interface CapacityView {
  /** Percent used (0-100), or undefined when unknown or the filesystem reports no blocks (procfs, ...). */
  percent?: number;
  text: string;
}

export function capacityView(capacity: Capacity | undefined): CapacityView {
  if (!capacity || capacity.totalBytes <= 0) return { text: 'size unknown' };
  const used = capacity.totalBytes - capacity.freeBytes;
  const denominator = used + capacity.availBytes;
  const percent = denominator > 0 ? Math.round((used / denominator) * 100) : 0;
  return { percent, text: `${percent}% used, ${bytesInWords(capacity.availBytes)} free of ${bytesInWords(capacity.totalBytes)}` };
}

export function createCapacityBar(): HTMLElement {
  const fill = h('div', { class: 'capacity-fill' });
  const label = h('span', { class: 'capacity-text' });
  return h('div', { class: 'capacity' }, h('div', { class: 'capacity-track', role: 'meter', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-label': 'Disk usage' }, fill), label);
}

export function updateCapacityBar(el: HTMLElement, capacity: Capacity | undefined): void {
  const view = capacityView(capacity);
  const track = el.querySelector<HTMLElement>('.capacity-track')!;
  const fill = el.querySelector<HTMLElement>('.capacity-fill')!;
  const label = el.querySelector<HTMLElement>('.capacity-text')!;
  const level = view.percent === undefined ? 'none' : view.percent >= 97 ? 'full' : view.percent >= 90 ? 'high' : 'normal';
  setAttrs(track, { 'aria-valuenow': view.percent, 'aria-valuetext': view.text, hidden: view.percent === undefined });
  track.dataset.level = level;
  // CSSOM, not a style="" attribute: the window's CSP (style-src falls back to 'self') forbids the latter.
  fill.style.width = `${view.percent ?? 0}%`;
  setText(label, view.percent === undefined ? '—' : `${view.percent}%`);
  label.title = view.text;
}
