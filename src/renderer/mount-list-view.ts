// Renders the grouped mounts into the list container. Only the rows in and around the viewport exist in
// the DOM (drawing all of 2,000 took 1.7 s; hosts have 10,000): the groups and rows above and below are
// padding of their measured height (or, never drawn yet, the usual row's). A row drawn again after
// scrolling is made anew from what the window knows, so it loses nothing; the tab stop is kept by key.
import type { MountGroup, MountRow } from '../common/status-view/ordering.js';
import type { LatencyHistory } from '../common/status-view/latency-history.js';
import type { MountStatus } from '../common/mount.js';
import { createRow, rowKey, updateRow, type RowElement, type RowExtras } from './mount-row.js';
import { setTabStop, type RowMove } from './keyboard-nav.js';
import { displayText } from '../common/status-view/display-text.js';
import { h, placeChildren, setText } from './dom.js';

/** Drawn beyond each edge of the viewport, so a scroll or an arrow key finds its rows already there. */
const OVERSCAN_MIN_PX = 480;
/** Heights before anything was measured (a one-line row; a group's heading, margin and border). */
const ROW_GUESS_PX = 52;
const CHROME_GUESS_PX = 44;

/** Where the model puts each group and row, in px from the container's top. */
interface Layout {
  /** Every row in display order, with its group's index. */
  rows: { row: MountRow; key: string; group: number; posInGroup: number }[];
  indexOf: Map<string, number>;
  rowTops: Float64Array;
  groupTops: Float64Array;
  groupEnds: Float64Array;
  total: number;
}

export class MountListView {
  /** The rows drawn now, by key. */
  private readonly rows = new Map<string, RowElement>();
  private readonly sections = new Map<string, HTMLElement>();
  /** Measured heights, by row key; rows never drawn count as `rowGuess`. */
  private readonly heights = new Map<string, number>();
  private rowGuess = ROW_GUESS_PX;
  private chrome = CHROME_GUESS_PX;
  /** Never reused: ids from groups.size repeated once a group had gone (two headings, one id). */
  private nextGroupId = 0;
  private groups: readonly MountGroup[] = [];
  private layout: Layout = MountListView.layoutOf([], () => 0, 0);
  private now = 0;
  private extrasOf: (status: MountStatus) => RowExtras = () => ({ busy: false, disconnecting: false, advice: undefined });
  /** The row that is the list's tab stop (its key), whether drawn or not. */
  private current: string | undefined;
  private drawQueued = false;

  constructor(
    private readonly container: HTMLElement,
    private readonly history: LatencyHistory,
  ) {
    const redraw = (): void => {
      if (this.drawQueued) return;
      this.drawQueued = true;
      requestAnimationFrame(() => {
        this.drawQueued = false;
        this.draw();
      });
    };
    addEventListener('scroll', redraw, { passive: true });
    addEventListener('resize', redraw);
  }

  render(groups: readonly MountGroup[], now: number, extrasOf: (status: MountStatus) => RowExtras): void {
    this.groups = groups;
    this.now = now;
    this.extrasOf = extrasOf;
    this.relayout();
    if (this.current !== undefined && !this.layout.indexOf.has(this.current)) this.current = undefined;
    this.draw();
  }

  /** Redraws the rows as they are, at a new time: only rows whose aging words changed are touched. */
  tick(now: number): void {
    this.now = now;
    for (const [key, li] of this.rows) {
      const at = this.layout.indexOf.get(key);
      if (at !== undefined) this.update(li, this.layout.rows[at]!.row);
    }
  }

  /** Focuses the first row (Arrow Down from the filter box). */
  focusFirst(): void {
    if (this.layout.rows.length > 0) this.focusAt(0);
  }

  move(from: string, move: RowMove): void {
    const i = this.layout.indexOf.get(from);
    const last = this.layout.rows.length - 1;
    if (i === undefined || last < 0) return;
    const to = move === 'first' ? 0 : move === 'last' ? last : move === 'next' ? Math.min(last, i + 1) : Math.max(0, i - 1);
    this.focusAt(to);
  }

  setCurrent(key: string): void {
    if (this.current === key) return;
    this.current = key;
    setTabStop(this.rows.values(), this.rows.get(key));
  }

  /** Draws row `index` if it is not (scrolled to the middle of the window), then focuses it. */
  private focusAt(index: number): void {
    const key = this.layout.rows[index]!.key;
    if (!this.rows.has(key)) {
      const top = this.container.getBoundingClientRect().top + this.layout.rowTops[index]!;
      scrollBy(0, top - innerHeight / 2);
      this.draw();
    }
    this.current = key;
    const li = this.rows.get(key);
    setTabStop(this.rows.values(), li);
    li?.focus();
  }

  private relayout(): void {
    this.layout = MountListView.layoutOf(this.groups, (key) => this.heights.get(key) ?? this.rowGuess, this.chrome);
  }

  private static layoutOf(groups: readonly MountGroup[], heightOf: (key: string) => number, chrome: number): Layout {
    const count = groups.reduce((n, g) => n + g.rows.length, 0);
    const layout: Layout = {
      rows: [],
      indexOf: new Map(),
      rowTops: new Float64Array(count),
      groupTops: new Float64Array(groups.length),
      groupEnds: new Float64Array(groups.length),
      total: 0,
    };
    let y = 0;
    groups.forEach((group, g) => {
      layout.groupTops[g] = y;
      y += chrome;
      group.rows.forEach((row, posInGroup) => {
        const key = rowKey(row.status);
        layout.indexOf.set(key, layout.rows.length);
        layout.rowTops[layout.rows.length] = y;
        layout.rows.push({ row, key, group: g, posInGroup });
        y += heightOf(key);
      });
      layout.groupEnds[g] = y;
    });
    layout.total = y;
    return layout;
  }

  /**
   * Draws the rows near the viewport. A focused row stays where it is on the screen when rows above it
   * come or go (a live update moving a problem to the top), so it is still drawn, and focused; without
   * focus, the first row on the screen stays, so what one reads does not jump.
   */
  private draw(): void {
    const hadFocus = document.activeElement;
    const focused = hadFocus instanceof HTMLElement ? hadFocus.closest<RowElement>('li.mount') : null;
    const focusedKey = focused && this.container.contains(focused) ? focused.dataset.key : undefined;
    const focusedAction = hadFocus instanceof HTMLButtonElement ? hadFocus.dataset.action : undefined;
    // The row kept in place: the focused one, else (once scrolled) the first one on the screen.
    const anchor = focusedKey !== undefined ? focused! : scrollY > 0 ? this.firstOnScreen() : undefined;
    const anchorKey = anchor?.dataset.key;
    const anchorAt = anchorKey !== undefined ? this.layout.indexOf.get(anchorKey) : undefined;
    const anchorTop = anchor?.getBoundingClientRect().top;

    this.container.style.minHeight = px(this.layout.total);
    if (anchorAt !== undefined && anchorTop !== undefined) {
      scrollBy(0, this.container.getBoundingClientRect().top + this.layout.rowTops[anchorAt]! - anchorTop);
    }
    this.place();
    // What was drawn for the first time is measured; the layout takes it, and the rows are placed again.
    if (this.measure()) {
      this.relayout();
      this.container.style.minHeight = px(this.layout.total);
      this.place();
    }
    const anchored = anchorKey !== undefined ? this.rows.get(anchorKey) : undefined;
    if (anchored && anchorTop !== undefined) scrollBy(0, anchored.getBoundingClientRect().top - anchorTop);
    if (focusedKey !== undefined) {
      const li = this.rows.get(focusedKey);
      // Moving a focused node out and back in drops focus (HTML "focus fixup"); put it back.
      if (li && document.activeElement !== hadFocus) {
        const button = focusedAction ? li.querySelector<HTMLElement>(`button[data-action="${focusedAction}"]:not([hidden])`) : undefined;
        (button ?? li).focus({ preventScroll: true });
      }
    }
  }

  private firstOnScreen(): RowElement | undefined {
    let first: RowElement | undefined;
    let firstTop = Infinity;
    for (const li of this.rows.values()) {
      const { top, bottom } = li.getBoundingClientRect();
      if (bottom > 0 && top < firstTop) {
        first = li;
        firstTop = top;
      }
    }
    return first;
  }

  /** Puts the groups and rows in the overscanned viewport into the DOM, and padding for the rest. */
  private place(): void {
    const { rows, rowTops, groupTops, groupEnds, total } = this.layout;
    const top = -this.container.getBoundingClientRect().top;
    const overscan = Math.max(OVERSCAN_MIN_PX, innerHeight);
    const lo = top - overscan;
    const hi = top + innerHeight + overscan;
    // Rows follow one another, so only the one before the first starting below `lo` can reach into it.
    const firstRow = Math.max(0, firstAtOrAfter(rowTops, lo) - 1);
    const drawn: number[] = [];
    for (let i = firstRow; i < rows.length && rowTops[i]! < hi; i++) {
      if (rowTops[i]! + (this.heights.get(rows[i]!.key) ?? this.rowGuess) > lo) drawn.push(i);
    }
    const groupIndexes: number[] = [];
    for (let g = Math.max(0, firstAtOrAfter(groupEnds, lo) - 1); g < this.groups.length && groupTops[g]! < hi; g++) {
      if (groupEnds[g]! > lo) groupIndexes.push(g);
    }

    const keep = new Set<string>();
    const inOrder: RowElement[] = [];
    const sections: HTMLElement[] = [];
    let d = 0;
    for (const g of groupIndexes) {
      const group = this.groups[g]!;
      const section = this.section(group);
      const items: RowElement[] = [];
      while (d < drawn.length && rows[drawn[d]!]!.group < g) d++;
      const firstDrawn = drawn[d];
      let lastDrawn: number | undefined;
      for (; d < drawn.length && rows[drawn[d]!]!.group === g; d++) {
        const at = drawn[d]!;
        const { row, key, posInGroup } = rows[at]!;
        keep.add(key);
        let li = this.rows.get(key);
        if (!li) {
          li = createRow(row);
          this.rows.set(key, li);
        }
        li.setAttribute('aria-posinset', String(posInGroup + 1));
        li.setAttribute('aria-setsize', String(group.rows.length));
        this.update(li, row);
        items.push(li);
        inOrder.push(li);
        lastDrawn = at;
      }
      const ul = section.querySelector('ul')!;
      const rowsTop = groupTops[g]! + this.chrome;
      const padTop = firstDrawn !== undefined && lastDrawn !== undefined ? rowTops[firstDrawn]! - rowsTop : groupEnds[g]! - rowsTop;
      const padBottom = lastDrawn !== undefined ? groupEnds[g]! - rowTops[lastDrawn]! - (this.heights.get(rows[lastDrawn]!.key) ?? this.rowGuess) : 0;
      ul.style.paddingTop = px(padTop);
      ul.style.paddingBottom = px(padBottom);
      placeChildren(ul, items);
      sections.push(section);
    }
    for (const key of [...this.rows.keys()]) if (!keep.has(key)) this.rows.delete(key);
    const live = new Set(this.groups.map((g) => g.key));
    for (const [key, section] of this.sections) if (!live.has(key)) this.sections.delete(key) && section.remove();
    const first = groupIndexes[0];
    const last = groupIndexes[groupIndexes.length - 1];
    this.container.style.paddingTop = px(first !== undefined ? groupTops[first]! : 0);
    this.container.style.paddingBottom = px(last !== undefined ? total - groupEnds[last]! : 0);
    placeChildren(this.container, sections);
    const current = this.current !== undefined ? this.rows.get(this.current) : undefined;
    setTabStop(inOrder, current ?? inOrder[0]);
  }

  /** Takes the heights of the rows and group chrome drawn; true if any differs from what the layout used. */
  private measure(): boolean {
    let changed = false;
    let lowest = Infinity;
    for (const [key, li] of this.rows) {
      const height = li.getBoundingClientRect().height;
      if (height === 0) continue; // not laid out (a hidden window)
      if (Math.abs((this.heights.get(key) ?? this.rowGuess) - height) >= 0.5) changed = true;
      this.heights.set(key, height);
      lowest = Math.min(lowest, height);
    }
    // Most mounts answer, and an answering mount's row is the lowest: rows not drawn yet are taken to be one.
    if (this.rowGuess === ROW_GUESS_PX && lowest < Infinity) this.rowGuess = lowest;
    const section = this.container.querySelector<HTMLElement>('section.group');
    if (section) {
      const ul = section.querySelector('ul')!;
      const ulStyle = getComputedStyle(ul);
      // The heading and margin above the rows, and the list's border around them.
      const sectionTop = section.getBoundingClientRect().top;
      const chrome = ul.getBoundingClientRect().top - sectionTop + parseFloat(getComputedStyle(section).marginTop) + parseFloat(ulStyle.borderTopWidth) + parseFloat(ulStyle.borderBottomWidth);
      const sectionHeight = section.getBoundingClientRect().height;
      if (sectionHeight > 0 && Math.abs(chrome - this.chrome) >= 0.5) {
        this.chrome = chrome;
        changed = true;
      }
    }
    return changed;
  }

  private update(li: RowElement, row: MountRow): void {
    updateRow(li, row, this.history.get(row.status.mountpoint), this.now, this.extrasOf(row.status));
  }

  private section(group: MountGroup): HTMLElement {
    let section = this.sections.get(group.key);
    if (!section) {
      const id = `group-${this.nextGroupId++}-${group.kind}`;
      section = h(
        'section',
        { class: `group group-${group.kind}`, 'aria-labelledby': id, 'data-group': group.key },
        h('h2', { id }, h('span', { class: 'group-title' }), h('span', { class: 'group-count' })),
        h('ul', { role: 'list', 'aria-labelledby': id }),
      );
      this.sections.set(group.key, section);
    }
    const heading = section.querySelector('h2')!;
    setText(heading.querySelector('.group-title')!, displayText(group.title));
    const kind = group.kind === 'server' ? 'server · ' : '';
    setText(heading.querySelector('.group-count')!, `${kind}${group.rows.length} mount${group.rows.length === 1 ? '' : 's'}${group.problems ? `, ${group.problems} with problems` : ''}`);
    section.dataset.problems = String(group.problems > 0);
    return section;
  }
}

/** A length for CSS: a template string would write 1.2e+06, which CSS does not read. */
function px(n: number): string {
  return `${n.toFixed(2)}px`;
}

/** The first index whose value is at least `y` in an ascending array (its length if none). */
function firstAtOrAfter(values: Float64Array, y: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (values[mid]! < y) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
