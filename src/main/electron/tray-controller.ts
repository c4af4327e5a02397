// The tray icon, tooltip and menu, rebuilt from the plain models on every change.
// Electron objects are passed in (Tray, Menu, nativeImage shapes), so this is tested in Node.
//
// Linux: the tray is a StatusNotifierItem. Changes to a MenuItem take effect only after setContextMenu is
// called again (Electron docs, Tray "Platform Considerations"), so the whole menu is rebuilt and set each
// time. 'click' is the item's Activate: some hosts send it on a left click, some on a double click, some
// never (same docs), so it opens the status window where it arrives and the menu offers the same.
import { displayText } from '../../common/status-view/display-text.js';
import type { Menu, MenuItemConstructorOptions, NativeImage, Tray } from 'electron';
import type { MonitorApi, Snapshot } from '../../common/monitor-api.js';
import type { MountAdvice } from '../../common/recovery.js';
import type { Connection } from '../../common/status-api.js';
import { buildMenuModel, type MenuAction, type MenuItemModel } from '../tray/menu-model.js';
import { trayState, type TrayLevel } from '../tray/tray-state.js';

export type TrayLike = Pick<Tray, 'setImage' | 'setToolTip' | 'setContextMenu' | 'destroy'> & {
  on(event: 'click', listener: () => void): unknown;
};

export interface TrayDeps {
  createTray(icon: NativeImage): TrayLike;
  buildMenu(template: MenuItemConstructorOptions[]): Menu;
  iconFor(level: TrayLevel): NativeImage;
}

export interface TrayControllerOptions {
  api: MonitorApi;
  connection: () => Connection;
  onConnection: (listener: (c: Connection) => void) => () => void;
  home?: string;
  now?: () => number;
  onAction: (action: MenuAction) => void;
  /** What can be done for the mounts of a snapshot that do not answer (mount-recovery.ts): Disconnect items. */
  advise?: (mounts: Snapshot['mounts']) => Promise<MountAdvice[]>;
  /** The icon was activated (clicked, where the desktop reports it). */
  onClick?: () => void;
  /** Rebuilds are coalesced over this many ms (a sweep brings one event per mount). */
  debounceMs?: number;
  /** Rebuilt this often anyway so "for 3 min" stays true. */
  refreshMs?: number;
}

export interface TrayController {
  /** The latest state, for tests and the status window. */
  readonly level: TrayLevel;
  readonly tooltip: string;
  readonly menu: MenuItemModel[];
  refresh(): Promise<void>;
  dispose(): void;
}

export function toMenuTemplate(items: MenuItemModel[], onAction: (a: MenuAction) => void): MenuItemConstructorOptions[] {
  return items.map((item) =>
    item.kind === 'separator'
      ? { type: 'separator' }
      : {
          type: 'normal',
          // Mount names can hold any character: escaped as everywhere else, and '&' doubled because
          // Electron reads a single '&' in a label as a mnemonic marker on Linux and Windows.
          label: displayText(item.label).replace(/&/g, '&&'),
          enabled: item.enabled,
          ...(item.action ? { click: () => onAction(item.action!) } : {}),
        },
  );
}

export function setupTray(deps: TrayDeps, options: TrayControllerOptions): TrayController {
  const now = options.now ?? Date.now;
  let level: TrayLevel = 'unknown';
  let snapshot: Snapshot | undefined;
  let advice: MountAdvice[] = [];
  let menu: MenuItemModel[] = [];
  let tooltip = '';
  const tray = deps.createTray(deps.iconFor('unknown'));
  if (options.onClick) tray.on('click', options.onClick);
  let disposed = false;

  const render = () => {
    if (disposed) return;
    const input = { connection: options.connection(), now: now(), advice, ...(snapshot ? { snapshot } : {}), ...(options.home ? { home: options.home } : {}) };
    const state = trayState(input);
    menu = buildMenuModel(input);
    if (state.level !== level) tray.setImage(deps.iconFor(state.level));
    level = state.level;
    tooltip = state.tooltip;
    tray.setToolTip(tooltip);
    tray.setContextMenu(deps.buildMenu(toMenuTemplate(menu, options.onAction)));
  };

  const refresh = async () => {
    try {
      snapshot = await options.api.snapshot();
    } catch {
      // No source answers: keep the last snapshot out of the picture, the connection line says why.
      if (options.connection().state !== 'connected') snapshot = undefined;
    }
    // An unreadable mount table only costs the Disconnect items, never the menu.
    advice = snapshot && options.advise ? await options.advise(snapshot.mounts).catch(() => []) : [];
    render();
  };

  let pending: NodeJS.Timeout | undefined;
  const scheduleRefresh = () => {
    if (pending) return;
    pending = setTimeout(() => {
      pending = undefined;
      void refresh();
    }, options.debounceMs ?? 200);
  };
  const unsubscribe = options.api.onChange(scheduleRefresh);
  const unsubscribeConn = options.onConnection(scheduleRefresh);
  const ticker = setInterval(() => void refresh(), options.refreshMs ?? 30_000);
  ticker.unref();
  render();
  void refresh();

  return {
    get level() {
      return level;
    },
    get tooltip() {
      return tooltip;
    },
    get menu() {
      return menu;
    },
    refresh,
    dispose() {
      disposed = true;
      unsubscribe();
      unsubscribeConn();
      clearInterval(ticker);
      if (pending) clearTimeout(pending);
      tray.destroy();
    },
  };
}
