// Renders the grouped mounts into the list container, reusing the elements of mounts already shown.
import type { MountGroup } from '../common/status-view/ordering.js';
import type { LatencyHistory } from '../common/status-view/latency-history.js';
import type { MountStatus } from '../common/mount.js';
import { createRow, rowKey, updateRow, type RowElement, type RowExtras } from './mount-row.js';
import { ensureCurrentRow } from './keyboard-nav.js';
import { displayText } from '../common/status-view/display-text.js';
import { h, placeChildren, setText } from './dom.js';

export class MountListView {
  private readonly rows = new Map<string, RowElement>();
  /** What each row was last rendered from, for tick(). */
  private readonly lastRows = new Map<string, { row: MountGroup['rows'][number]; extras: RowExtras }>();
  private readonly groups = new Map<string, HTMLElement>();
  /** Never reused: ids from groups.size repeated once a group had gone (two headings, one id). */
  private nextGroupId = 0;

  constructor(
    private readonly container: HTMLElement,
    private readonly history: LatencyHistory,
  ) {}

  render(groups: readonly MountGroup[], now: number, extrasOf: (status: MountStatus) => RowExtras): void {
    const hadFocus = document.activeElement;
    const focusedKey = hadFocus instanceof HTMLElement ? hadFocus.closest<HTMLElement>('li.mount')?.dataset.key : undefined;
    const focusedAction = hadFocus instanceof HTMLButtonElement ? hadFocus.dataset.action : undefined;

    const seenRows = new Set<string>();
    const sections: HTMLElement[] = [];
    for (const group of groups) {
      const section = this.section(group);
      const heading = section.querySelector('h2')!;
      setText(heading.querySelector('.group-title')!, displayText(group.title));
      const kind = group.kind === 'server' ? 'server · ' : '';
      const count = `${kind}${group.rows.length} mount${group.rows.length === 1 ? '' : 's'}${group.problems ? `, ${group.problems} with problems` : ''}`;
      setText(heading.querySelector('.group-count')!, count);
      section.dataset.problems = String(group.problems > 0);
      const items: RowElement[] = [];
      for (const row of group.rows) {
        const key = rowKey(row.status);
        seenRows.add(key);
        let li = this.rows.get(key);
        if (!li) {
          li = createRow(row);
          this.rows.set(key, li);
        }
        const extras = extrasOf(row.status);
        this.lastRows.set(key, { row, extras });
        updateRow(li, row, this.history.get(row.status.mountpoint), now, extras);
        items.push(li);
      }
      placeChildren(section.querySelector('ul')!, items);
      sections.push(section);
    }
    for (const key of [...this.rows.keys()]) {
      if (seenRows.has(key)) continue;
      this.rows.delete(key);
      this.lastRows.delete(key);
    }
    for (const [key, section] of this.groups) if (!groups.some((g) => g.key === key)) this.groups.delete(key) && section.remove();
    placeChildren(this.container, sections);
    ensureCurrentRow(this.container);

    // Moving a focused node out and back in drops focus (HTML "focus fixup"); put it back.
    if (focusedKey && document.activeElement !== hadFocus) {
      const li = this.rows.get(focusedKey);
      const button = focusedAction ? li?.querySelector<HTMLElement>(`button[data-action="${focusedAction}"]:not([hidden])`) : undefined;
      (button ?? li)?.focus();
    }
  }

  /** Redraws the rows as they are, at a new time: only rows whose aging words changed are touched. */
  tick(now: number): void {
    for (const [key, li] of this.rows) {
      const last = this.lastRows.get(key);
      if (last) updateRow(li, last.row, this.history.get(last.row.status.mountpoint), now, last.extras);
    }
  }

  private section(group: MountGroup): HTMLElement {
    let section = this.groups.get(group.key);
    if (!section) {
      const id = `group-${this.nextGroupId++}-${group.kind}`;
      section = h(
        'section',
        { class: `group group-${group.kind}`, 'aria-labelledby': id, 'data-group': group.key },
        h('h2', { id }, h('span', { class: 'group-title' }), h('span', { class: 'group-count' })),
        h('ul', { role: 'list', 'aria-labelledby': id }),
      );
      this.groups.set(group.key, section);
    }
    return section;
  }
}
