// Keyboard use of the mount list (WAI-ARIA APG "roving tabindex"): the list is one Tab stop; arrow keys,
// Home and End move between mounts; Enter rechecks the focused mount. Only the current row and its buttons
// (Recheck, and Disconnect or Copy command on a mount that does not answer) are in the tab order, so Tab
// leaves the list instead of walking every button.

export interface ListKeys {
  /** Called with the mountpoint of the row where Enter was pressed. */
  onActivate(mountpoint: string): void;
}

function rows(list: HTMLElement): HTMLElement[] {
  return [...list.querySelectorAll<HTMLElement>('li.mount')];
}

/** Makes `row` the list's single tab stop (the row and its buttons). */
function setCurrentRow(list: HTMLElement, row: HTMLElement | undefined): void {
  for (const r of rows(list)) {
    const current = r === row;
    r.tabIndex = current ? 0 : -1;
    for (const button of r.querySelectorAll<HTMLButtonElement>('button')) button.tabIndex = current ? 0 : -1;
  }
}

/** After a re-render: keeps the current row if it is still listed, else the first row. */
export function ensureCurrentRow(list: HTMLElement): void {
  const all = rows(list);
  const current = all.find((r) => r.tabIndex === 0);
  setCurrentRow(list, current ?? all[0]);
}

export function installListKeys(list: HTMLElement, keys: ListKeys): void {
  list.addEventListener('focusin', (e) => {
    const row = (e.target as HTMLElement).closest<HTMLElement>('li.mount');
    if (row) setCurrentRow(list, row);
  });
  list.addEventListener('keydown', (e) => {
    const target = e.target as HTMLElement;
    const row = target.closest<HTMLElement>('li.mount');
    if (!row) return;
    const all = rows(list);
    const i = all.indexOf(row);
    let next: HTMLElement | undefined;
    switch (e.key) {
      case 'ArrowDown':
        next = all[Math.min(all.length - 1, i + 1)];
        break;
      case 'ArrowUp':
        next = all[Math.max(0, i - 1)];
        break;
      case 'Home':
        next = all[0];
        break;
      case 'End':
        next = all[all.length - 1];
        break;
      case 'Enter':
        // On the button itself Enter already clicks it; only the row needs handling here.
        if (target === row && row.dataset.mountpoint !== undefined) {
          e.preventDefault();
          keys.onActivate(row.dataset.mountpoint);
        }
        return;
      default:
        return;
    }
    e.preventDefault();
    if (next) {
      setCurrentRow(list, next);
      next.focus();
    }
  });
}
