// Wires a MonitorApi to the policy and a notifier: seeds from the first snapshot, feeds every event,
// and flushes grouped or held notifications when they fall due (one unref'd timer, never a poll).
import type { MonitorApi } from '../../common/monitor-api.js';
import type { Notifier } from './notifier.js';
import type { MountNotification, NotificationPolicy } from './policy.js';

export interface NotificationServiceOptions {
  api: MonitorApi;
  policy: NotificationPolicy;
  notifier: Pick<Notifier, 'notify'>;
  now: () => number;
  /** Told about every notification sent (tests, logs). */
  onNotify?: (n: MountNotification) => void;
}

export interface NotificationService {
  /** Resolves once the first snapshot has been fed to the policy. */
  ready: Promise<void>;
  stop(): void;
}

export function startNotifications(options: NotificationServiceOptions): NotificationService {
  const { api, policy, notifier, now } = options;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const send = (list: MountNotification[]): void => {
    for (const n of list) {
      notifier.notify(n);
      options.onNotify?.(n);
    }
    schedule();
  };
  const schedule = (): void => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const due = policy.nextDueAt();
    if (due === undefined || stopped) return;
    timer = setTimeout(() => send(policy.flush()), Math.max(0, due - now()));
    timer.unref();
  };

  // Events that arrive before the snapshot are fed after it, so the seed does not repeat them.
  const early: Parameters<Parameters<MonitorApi['onChange']>[0]>[0][] = [];
  let seeded = false;
  const unsubscribe = api.onChange((event) => {
    if (stopped) return;
    if (!seeded) early.push(event);
    else send(policy.handle(event));
  });
  const ready = api.snapshot().then(
    (snap) => {
      if (stopped) return;
      seeded = true;
      send(policy.seed(snap));
      for (const e of early.splice(0)) send(policy.handle(e));
    },
    () => {
      seeded = true;
      for (const e of early.splice(0)) send(policy.handle(e));
    },
  );

  return {
    ready,
    stop() {
      stopped = true;
      unsubscribe();
      if (timer) clearTimeout(timer);
    },
  };
}
