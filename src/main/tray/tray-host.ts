// Is there anywhere for the tray icon to show? On Linux, Electron's Tray is a StatusNotifierItem: it is
// drawn only by a host that runs the watcher `org.kde.StatusNotifierWatcher` on the session bus (KDE,
// Cinnamon, XFCE's panel plugin, GNOME's AppIndicator extension). Stock GNOME has none (electron#10427),
// so a tray-only app would be invisible there: the app asks once at start and, when there is no host,
// opens its status window saying why and how to get one.
//
// The bus is asked over its socket (session-bus.ts). A socket path under the home directory is not
// connected to: connect(2) resolves the path in the kernel on the main thread (docs/desktop-app.md: the
// app never touches the home directory).
import { callSessionBus, sessionBusAddress } from '../dbus/session-bus.js';
import { isUnder } from '../../common/mount-table/path-to-mount.js';
import { homeFromEnv } from '../app/home-mount.js';

const WATCHER = 'org.kde.StatusNotifierWatcher';

export type TrayHost =
  | { present: true }
  /** No host draws tray icons here; `reason` says why, for the window. */
  | { present: false; reason: string }
  /** Could not tell (the bus did not answer in time, an address we cannot reach): the tray is assumed. */
  | { present: 'unknown'; reason: string };

export async function trayHost(env: NodeJS.ProcessEnv = process.env, timeoutMs = 2000): Promise<TrayHost> {
  const address = sessionBusAddress(env);
  if ('none' in address) return { present: false, reason: `there is no session bus (${address.none})` };
  const home = homeFromEnv(env);
  if ('path' in address && home && home !== '/' && isUnder(address.path, home)) {
    return { present: 'unknown', reason: `the session bus socket ${address.path} is inside the home directory` };
  }
  let replies;
  try {
    replies = await callSessionBus(
      address,
      [
        { destination: 'org.freedesktop.DBus', path: '/org/freedesktop/DBus', interface: 'org.freedesktop.DBus', member: 'NameHasOwner', args: [WATCHER] },
        // StatusNotifierItem spec: the watcher's IsStatusNotifierHostRegistered property.
        { destination: WATCHER, path: '/StatusNotifierWatcher', interface: 'org.freedesktop.DBus.Properties', member: 'Get', args: [WATCHER, 'IsStatusNotifierHostRegistered'] },
      ],
      timeoutMs,
    );
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    // ENOENT / ECONNREFUSED: nobody listens there, so there is no session bus.
    if (/ENOENT|ECONNREFUSED/.test(why)) return { present: false, reason: `there is no session bus (${why})` };
    return { present: 'unknown', reason: why };
  }
  const [owner, registered] = replies;
  if (!owner?.ok || owner.value !== true) return { present: false, reason: `no program owns ${WATCHER} on the session bus` };
  // A watcher that says no host is registered has nobody to draw the icon; one that cannot say (an
  // older watcher) is taken at its word of being there.
  if (registered?.ok && registered.value === false) return { present: false, reason: `${WATCHER} runs, but no tray host has registered with it` };
  return { present: true };
}

/** What the status window says when the desktop has no tray host. */
export function noTrayNotice(reason: string): string {
  return (
    `This desktop shows no tray icons (${reason}), so Mount Status Monitor opens this window instead. ` +
    'On GNOME, install and enable the AppIndicator extension: sudo apt install gnome-shell-extension-appindicator, ' +
    'then log out and in again (on Fedora: gnome-shell-extension-appindicator from dnf; elsewhere "AppIndicator and ' +
    'KStatusNotifierItem Support" from extensions.gnome.org). Until then, warnings still arrive as notifications; ' +
    'closing this window keeps monitoring, and starting Mount Status Monitor again from the applications menu reopens it.'
  );
}
