// Sends notifications with node-notifier, with the notifier of the platform: on Linux
// NotifySend, which runs `notify-send` (libnotify-bin, a dependency of the deb and rpm) and so calls
// org.freedesktop.Notifications.Notify on the session bus (Desktop Notifications Specification); on macOS
// NotificationCenter, which runs the terminal-notifier app node-notifier ships (NotifySend refuses to run
// there). Other platforms have no notifier: each notification fails with a line in the log.
//
// It never blocks the event loop: node-notifier starts notify-send with child_process.exec (async),
// and we construct its NotifySend with suppressOsdCheck so it skips its `which.sync('notify-send')`,
// a synchronous walk of $PATH that would stat directories such as ~/.local/bin in this process, which
// hangs if the home directory is the dead mount. (PATH entries under $HOME are also dropped at app
// start, see app-paths.ts pathWithoutHome, so the shell that runs notify-send does not walk them.)
// A bounded number run at once; beyond a bounded queue the oldest waiting ones are dropped, so a
// notification server that stops answering cannot pile up processes.
import { displayText } from '../../common/status-view/display-text.js';
import { fileURLToPath } from 'node:url';
import nodeNotifier from 'node-notifier';
import type NotificationCenter from 'node-notifier/notifiers/notificationcenter.js';
import type NotifySend from 'node-notifier/notifiers/notifysend.js';
import type { MountNotification } from './messages.js';
import { APP_NAME } from '../tray/tray-state.js';

/** The arguments for notify-send, as node-notifier's NotifySend takes them. */
export interface NotifySendArgs {
  title: string;
  message: string;
  /** notify-send -u: low | normal | critical. */
  urgency: 'critical' | 'normal';
  /** notify-send -a. */
  'app-name': string;
  icon?: string;
  /** Seconds; 0 = never expire (critical ones stay until dismissed). */
  timeout: number;
  category: string;
  /** notify-send -h: names our .desktop file so servers group our notifications. */
  hint: string;
}

/** Shows one notification; calls done when the platform's notifier has taken it (or failed). */
export type SendFunction = (n: MountNotification, done: (error?: Error) => void) => void;

export interface NotifierOptions {
  appName?: string;
  /** Directory with notify-*.png; defaults to build/icons in the source tree. */
  iconDir?: string;
  /** Defaults to node-notifier's notifier for this platform (platformSender). Tests may inject another. */
  send?: SendFunction;
  /** notify-send processes at once; default 1, which keeps the order. */
  maxInFlight?: number;
  maxQueued?: number;
  log?: (message: string) => void;
}

export interface Notifier {
  /** Queues a notification; returns at once. */
  notify(n: MountNotification): void;
  /** Resolves when nothing is queued or running. */
  idle(): Promise<void>;
  /** Counts since start: sent (notify-send exited 0), failed, dropped (queue full). */
  readonly stats: { sent: number; failed: number; dropped: number };
}

function defaultIconDir(): string {
  // dist/src/main/notify/notifier.js -> <root>/build/icons (also right for src/ under a TS runner).
  return fileURLToPath(new URL('../../../../build/icons/', import.meta.url));
}

/** Good news: a mount answers again, or the user's Disconnect took a dead one away. */
const goodNews = (n: MountNotification) => n.kind === 'recovered' || n.kind === 'disconnected';

function iconOf(n: MountNotification, iconDir: string): string {
  return iconDir.replace(/\/?$/, '/') + (goodNews(n) ? 'notify-ok.png' : n.urgency === 'critical' ? 'notify-dead.png' : 'notify-degraded.png');
}

export function toNotifySendArgs(n: MountNotification, appName: string, iconDir: string): NotifySendArgs {
  return {
    // Mount names can hold any byte: control characters and bidi overrides are escaped as everywhere else
    // (displayText). The body is markup for the notification server (Desktop Notifications spec, "Markup"),
    // so &, < and > become entities; notify-send also runs the body through g_strcompress() (backslash-n
    // is a newline, a lone backslash vanishes), so backslashes in it are doubled. Found by
    // test/main/notify/notifier.integration.test.ts with such characters in a mountpoint. The title is
    // plain text for most servers but markup for some, so there the three markup characters are written
    // as octal escapes (\046, \074, \076), as displayText writes other unsafe ones: right on both kinds,
    // where entities would show as "&amp;" on most. notify-send passes the title unchanged.
    title: escapeMarkupAsOctal(displayText(n.title)),
    message: escapeMarkup(displayText(n.body)).replace(/\\/g, '\\\\'),
    urgency: n.urgency,
    'app-name': appName,
    icon: iconOf(n, iconDir),
    // node-notifier multiplies by 1000 for notify-send -t (milliseconds); 0 means "never expire".
    timeout: n.urgency === 'critical' ? 0 : 10,
    category: goodNews(n) ? 'device' : 'device.error',
    hint: 'string:desktop-entry:mount-status-monitor',
  };
}

/** Text for a markup-capable notification body: the three characters markup gives meaning to. */
function escapeMarkup(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A title safe whether the server reads it as plain text or as markup: & < > as \ooo. */
function escapeMarkupAsOctal(text: string): string {
  return text.replace(/[&<>]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`);
}

/** NotificationCenter's arguments (terminal-notifier): plain text, the app's icon beside it. */
export function toNotificationCenterArgs(n: MountNotification, iconDir: string): NotificationCenter.Notification {
  return {
    title: displayText(n.title),
    message: displayText(n.body),
    contentImage: iconOf(n, iconDir),
    ...(n.urgency === 'critical' ? { sound: 'Basso' } : {}),
    // false: terminal-notifier exits at once instead of waiting for a click (node-notifier's default waits
    // 10 s), so one notification never holds up the next; macOS keeps it as the user's settings say.
    timeout: false,
  };
}

export type PlatformNotifier = { kind: 'notify-send' | 'notification-center' | 'none'; send: SendFunction };

/** node-notifier's notifier for `platform`, with our arguments for it. */
export function platformSender(platform: NodeJS.Platform, appName: string, iconDir: string): PlatformNotifier {
  if (platform === 'darwin') {
    const center: NotificationCenter = new nodeNotifier.NotificationCenter({ withFallback: false });
    return { kind: 'notification-center', send: (n, done) => center.notify(toNotificationCenterArgs(n, iconDir), (error) => done(error ?? undefined)) };
  }
  if (platform === 'linux' || platform === 'freebsd' || platform === 'openbsd') {
    // suppressOsdCheck is read by notifysend.js but missing from @types/node-notifier's Option.
    const sender: NotifySend = new nodeNotifier.NotifySend({ suppressOsdCheck: true } as { withFallback?: boolean });
    return {
      kind: 'notify-send',
      send: (n, done) => {
        // The keys "app-name" and "hint" are passed through to notify-send's -a / -h by node-notifier.
        const notification = toNotifySendArgs(n, appName, iconDir) as unknown as NotifySend.Notification;
        sender.notify(notification, (error) => done(error ?? undefined));
      },
    };
  }
  return { kind: 'none', send: (_n, done) => done(new Error(`no notifier for ${platform}`)) };
}

export function createNotifier(options: NotifierOptions = {}): Notifier {
  const appName = options.appName ?? APP_NAME;
  const iconDir = options.iconDir ?? defaultIconDir();
  const send = options.send ?? platformSender(process.platform, appName, iconDir).send;
  // One at a time: two notify-send processes race, and "recovered" could arrive before "not responding".
  const maxInFlight = options.maxInFlight ?? 1;
  const maxQueued = options.maxQueued ?? 20;
  const log = options.log ?? (() => {});
  const queue: MountNotification[] = [];
  const stats = { sent: 0, failed: 0, dropped: 0 };
  let running = 0;
  let idleWaiters: (() => void)[] = [];

  const pump = (): void => {
    while (running < maxInFlight && queue.length > 0) {
      const n = queue.shift()!;
      running++;
      send(n, (error) => {
        running--;
        if (error) {
          stats.failed++;
          const hint = process.platform === 'linux' ? ' (is notify-send from libnotify-bin installed, and a notification server running?)' : '';
          log(`notification "${displayText(n.title)}" not shown: ${error.message}${hint}`);
        } else stats.sent++;
        pump();
      });
    }
    if (running === 0 && queue.length === 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const w of waiters) w();
    }
  };

  return {
    stats,
    notify(n) {
      queue.push(n);
      while (queue.length > maxQueued) {
        queue.shift();
        stats.dropped++;
      }
      pump();
    },
    idle() {
      if (running === 0 && queue.length === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
  };
}
