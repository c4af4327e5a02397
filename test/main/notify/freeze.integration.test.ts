// The app's core promise, for real: HOME lies on a FUSE mount (bindfs, in a private mount namespace);
// the FUSE daemon is frozen with SIGSTOP, so every access to the mount blocks in the kernel. The app
// logic (embedded Monitor + notification policy + node-notifier) must raise the critical home-directory
// notification over a real D-Bus session, and its event loop must keep answering meanwhile:
// monitorEventLoopDelay p99 under 50 ms while frozen.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { privateMountNamespace, skipOrFail } from '../../support/namespace.js';
import { notificationStackMissing, startNotificationSession, type NotificationSession } from '../../support/dbus-session.js';
import { createMonitor } from '../../../src/node/create-monitor.js';
import { DEFAULT_SETTINGS } from '../../../src/node/config/settings.js';
import type { Monitor } from '../../../src/node/monitor/monitor.js';
import { NotificationPolicy } from '../../../src/main/notify/policy.js';
import { createNotifier } from '../../../src/main/notify/notifier.js';
import { startNotifications, type NotificationService } from '../../../src/main/notify/notify-service.js';
import { trayState } from '../../../src/main/tray/tray-state.js';
import { setTimeout as sleep } from 'node:timers/promises';

const ns = privateMountNamespace(import.meta.url);
const hasBindfs = spawnSync('sh', ['-c', 'command -v bindfs']).status === 0;
const skip = skipOrFail(!ns.canMount ? ns.reason : !hasBindfs ? 'bindfs not installed (apt-get install bindfs)' : notificationStackMissing());

let base: string;
let mnt: string;
let fuse: ChildProcess | undefined;
let session: NotificationSession | undefined;
let monitor: Monitor | undefined;
let service: NotificationService | undefined;

function mounted(path: string): boolean {
  // /proc/self/mountinfo, never a stat of the mountpoint (fields: id parent dev root mountpoint ...).
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .some((l) => l.split(' ')[4] === path);
}

before(async () => {
  if (skip) return;
  base = mkdtempSync(join(tmpdir(), 'msm-freeze-'));
  mkdirSync(join(base, 'src', 'alice'), { recursive: true });
  mnt = join(base, 'home');
  mkdirSync(mnt);
  // -f: stay in the foreground, so the daemon is our child with its own PID to freeze.
  fuse = spawn('bindfs', ['-f', '-o', 'allow_other', join(base, 'src'), mnt], { stdio: 'ignore' });
  const end = Date.now() + 10_000;
  while (!mounted(mnt)) {
    if (Date.now() > end || fuse.exitCode !== null) throw new Error(`bindfs did not mount ${mnt}`);
    await sleep(50);
  }
  session = await startNotificationSession();
  Object.assign(process.env, session.env);
});

after(async () => {
  if (skip) return;
  if (fuse?.pid) process.kill(fuse.pid, 'SIGCONT');
  service?.stop();
  await monitor?.stop();
  spawnSync('umount', ['-l', mnt]);
  if (fuse && fuse.exitCode === null) {
    const exited = new Promise((r) => fuse!.once('exit', r));
    fuse.kill('SIGTERM');
    await Promise.race([exited, sleep(3000)]);
    if (fuse.exitCode === null) fuse.kill('SIGKILL');
  }
  await session?.stop();
  rmSync(base, { recursive: true, force: true });
});

test('home on a frozen FUSE mount: critical notification over D-Bus, event loop stays responsive', { skip }, async () => {
  const home = join(mnt, 'alice');
  monitor = createMonitor({ ...DEFAULT_SETTINGS, intervalSeconds: 1, timeoutSeconds: 1 }, 'embedded');
  const notifier = createNotifier();
  const policy = new NotificationPolicy({ home, now: Date.now });
  monitor.start();
  // Wait until the FUSE mount has been seen answering, so the freeze is a transition.
  const end = Date.now() + 20_000;
  for (;;) {
    const snap = await monitor.snapshot();
    if (snap.mounts.some((m) => m.mountpoint === mnt && m.state === 'ok')) break;
    if (Date.now() > end) throw new Error(`the monitor never saw ${mnt} ok: ${JSON.stringify(snap.mounts.map((m) => [m.mountpoint, m.state]))}`);
    await sleep(100);
  }
  service = startNotifications({ api: monitor, policy, notifier, now: Date.now });
  await service.ready;
  const before = session!.captured.length;

  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  const frozenAt = Date.now();
  process.kill(fuse!.pid!, 'SIGSTOP');

  // While it is frozen, the app logic answers: snapshots keep coming and the tray turns red.
  let sawDead = false;
  const got = await (async () => {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const snap = await monitor!.snapshot();
      sawDead ||= trayState({ snapshot: snap, connection: { state: 'absent' }, home }).level === 'dead';
      const hit = session!.captured.slice(before).find((n) => n.summary === 'Your home directory is not responding');
      if (hit) return hit;
      await sleep(50);
    }
    throw new Error(`no home notification within 30 s; saw ${JSON.stringify(session!.captured.slice(before).map((n) => n.summary))}`);
  })();
  const notifiedAfter = Date.now() - frozenAt;
  // Keep measuring a little longer: later sweeps meet the mount stuck.
  await sleep(3000);
  lag.disable();
  const p99 = lag.percentile(99) / 1e6;
  const max = lag.max / 1e6;
  console.log(`# freeze: notified after ${notifiedAfter} ms; event-loop delay p99 ${p99.toFixed(1)} ms, max ${max.toFixed(1)} ms over ${lag.count} samples`);

  assert.equal(got.urgency, 2, 'critical');
  assert.equal(got.appName, 'Mount Status Monitor');
  assert.ok(got.body.startsWith(`${home} is on ${mnt} (`), got.body);
  assert.match(got.body, /which (did not answer within|does not answer)/);
  assert.ok(sawDead, 'the tray state went dead while frozen');
  assert.ok(p99 < 50, `event-loop delay p99 ${p99} ms`);
});
