// Counters and episodes from the monitor's events, through a fake MonitorApi; the text cached per change.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MountState, MountStatus } from '../../../src/common/mount.js';
import { MetricsCollector } from '../../../src/helper/metrics/metrics-collector.js';
import { FakeMonitor } from '../ipc/fake-monitor.js';

/** The IPC tests' fake monitor, storing what it pushes as the real monitor does. */
class StoringMonitor extends FakeMonitor {
  constructor() {
    super([]);
  }
  push(m: MountStatus): void {
    const previous = this.mounts.find((x) => x.mountId === m.mountId);
    this.mounts = [...this.mounts.filter((x) => x.mountId !== m.mountId), m];
    this.emit({ type: 'mount', mount: m, previous: previous?.state ?? null });
  }
  remove(mountId: number): void {
    const gone = this.mounts.find((x) => x.mountId === mountId)!;
    this.mounts = this.mounts.filter((x) => x.mountId !== mountId);
    this.emit({ type: 'removed', mountpoint: gone.mountpoint });
  }
  sweep(): void {
    this.emit({ type: 'sweep', summary: { checked: this.mounts.length, dead: 0, seconds: 0.1, finishedAt: 5000 } });
  }
}

const SETTINGS = { intervalSeconds: 60, timeoutSeconds: 10, exclude: [], maxMounts: 500, serverAliases: new Map() };
const status = (mountId: number, state: MountState, extra: Partial<MountStatus> = {}): MountStatus => ({ mountpoint: `/m${mountId}`, source: 's', fstype: 'nfs4', mountId, state, since: 1000, ...extra });
const value = (text: string, series: string) => text.split('\n').find((l) => l.startsWith(series + ' '))?.slice(series.length + 1);

test('a timeout or an errno counts once per probe answer, never for a re-push without a probe', async () => {
  const monitor = new StoringMonitor();
  const c = new MetricsCollector(monitor, SETTINGS);
  monitor.push(status(1, 'hung', { checkedAt: 10 }));
  monitor.push(status(1, 'hung', { checkedAt: 10, suspect: 'kernel: nfs1 not responding' })); // same answer, pushed again
  monitor.push(status(1, 'stuck', { checkedAt: 10 })); // a stuck report: no probe
  monitor.push(status(1, 'hung', { checkedAt: 20 }));
  monitor.push(status(2, 'error', { errno: 'EIO', checkedAt: 11 }));
  monitor.push(status(2, 'error', { errno: 'EIO', checkedAt: 21 }));
  monitor.push(status(2, 'error', { errno: 'ESTALE', checkedAt: 31 }));
  monitor.push(status(3, 'denied', { errno: 'EACCES', checkedAt: 12 }));
  const text = (await c.text()).toString();
  assert.equal(value(text, 'mountstatus_probe_timeouts_total'), '2');
  assert.equal(value(text, 'mountstatus_probe_errors_total{mountpoint="/m2",errno="EIO"}'), '2');
  assert.equal(value(text, 'mountstatus_probe_errors_total{mountpoint="/m2",errno="ESTALE"}'), '1');
  assert.doesNotMatch(text, /EACCES/, 'denied is not a probe error');
});

test('an episode starts when the mount first stops answering: slow, then hung, keeps the slow since', async () => {
  const monitor = new StoringMonitor();
  const c = new MetricsCollector(monitor, SETTINGS);
  monitor.push(status(1, 'ok', { checkedAt: 1, since: 100 }));
  monitor.push(status(1, 'slow', { checkedAt: 1, since: 2000 }));
  monitor.push(status(1, 'hung', { checkedAt: 9, since: 10_000 }));
  const series = 'mountstatus_mount_unresponsive_since_timestamp_seconds{mountpoint="/m1"}';
  assert.equal(value((await c.text()).toString(), series), '2');
  monitor.push(status(1, 'ok', { checkedAt: 20, since: 20_000 }));
  assert.equal(value((await c.text()).toString(), series), undefined, 'answering again ends it');
  monitor.push(status(1, 'error', { errno: 'EIO', checkedAt: 30, since: 30_000 }));
  assert.equal(value((await c.text()).toString(), series), '30', 'a new episode');
  // The kernel reuses mount ids: another mount under the same id starts from its own since.
  monitor.mounts = [];
  monitor.push({ ...status(1, 'hung', { checkedAt: 40, since: 40_000 }), mountpoint: '/other' });
  assert.equal(value((await c.text()).toString(), 'mountstatus_mount_unresponsive_since_timestamp_seconds{mountpoint="/other"}'), '40');
});

test('rendered once per change, shared by every reader; a settings change renders again', async () => {
  const monitor = new StoringMonitor();
  const c = new MetricsCollector(monitor, SETTINGS);
  monitor.push(status(1, 'ok', { checkedAt: 1 }));
  const [a, b] = await Promise.all([c.text(), c.text()]);
  assert.equal(a, b, 'one Buffer for concurrent readers');
  assert.equal(await c.text(), a, 'and for later ones while nothing changed');
  const before = monitor.snapshots;
  monitor.push(status(1, 'ok', { checkedAt: 2 }));
  assert.notEqual(await c.text(), a);
  assert.equal(monitor.snapshots, before + 1);
  c.setSettings({ ...SETTINGS, intervalSeconds: 5 });
  assert.equal(value((await c.text()).toString(), 'mountstatus_sweep_interval_seconds'), '5');
});

test('updates are announced per event (for the textfile); counters of mounts gone from the table are dropped after a sweep', async () => {
  const monitor = new StoringMonitor();
  const c = new MetricsCollector(monitor, SETTINGS);
  let updates = 0;
  c.onUpdate(() => updates++);
  monitor.push(status(1, 'error', { errno: 'EIO', checkedAt: 1 }));
  monitor.push(status(2, 'ok', { checkedAt: 1 }));
  monitor.remove(1);
  monitor.sweep();
  assert.equal(updates, 4);
  await new Promise((r) => setImmediate(r));
  // The same path mounted again later starts from zero, as a counter may.
  monitor.push(status(1, 'error', { errno: 'EIO', checkedAt: 50 }));
  assert.equal(value((await c.text()).toString(), 'mountstatus_probe_errors_total{mountpoint="/m1",errno="EIO"}'), '1');
  c.close();
  assert.equal(monitor.listenerCount, 0, 'close unsubscribes');
});
