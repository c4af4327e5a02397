// Keyboard use of the mount list (WAI-ARIA APG "roving tabindex"): the list is one Tab stop; arrow keys,
// Home and End move between mounts; Enter rechecks the focused mount. Only the current row and its buttons
// (Recheck, and Disconnect or Copy command on a mount that does not answer) are in the tab order, so Tab
// leaves the list instead of walking every button. Only the rows near the viewport exist in the DOM, so
// where a key leads is asked of the list view, which knows every row.

/** Where a key moves the focus, from the row it was pressed on. */
export type RowMove = 'next' | 'previous' | 'first' | 'last';

export interface ListKeys {
  /** Called with the mountpoint of the row where Enter was pressed. */
  onActivate(mountpoint: string): void;
  /** Focuses the row `move` leads to from the row with key `from` (data-key). */
  onMove(from: string, move: RowMove): void;
  /** A row (data-key) got the focus: it becomes the list's tab stop. */
  onCurrent(key: string): void;
}

const MOVES: Record<string, RowMove> = { ArrowDown: 'next', ArrowUp: 'previous', Home: 'first', End: 'last' };

/** Makes `current` the single tab stop (the row and its buttons) among the rows drawn. */
export function setTabStop(rows: Iterable<HTMLElement>, current: HTMLElement | undefined): void {
  for (const r of rows) {
    const index = r === current ? 0 : -1;
    if (r.tabIndex !== index) r.tabIndex = index;
    for (const button of r.querySelectorAll<HTMLButtonElement>('button')) button.tabIndex = index;
  }
}

export function installListKeys(list: HTMLElement, keys: ListKeys): void {
  list.addEventListener('focusin', (e) => {
    const key = (e.target as HTMLElement).closest<HTMLElement>('li.mount')?.dataset.key;
    if (key !== undefined) keys.onCurrent(key);
  });
  list.addEventListener('keydown', (e) => {
    const target = e.target as HTMLElement;
    const row = target.closest<HTMLElement>('li.mount');
    if (!row) return;
    if (e.key === 'Enter') {
      // On the button itself Enter already clicks it; only the row needs handling here.
      if (target === row && row.dataset.mountpoint !== undefined) {
        e.preventDefault();
        keys.onActivate(row.dataset.mountpoint);
      }
      return;
    }
    const move = MOVES[e.key];
    if (!move || row.dataset.key === undefined) return;
    e.preventDefault();
    keys.onMove(row.dataset.key, move);
  });
}
