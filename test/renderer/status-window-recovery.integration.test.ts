// The status window in Debian's Chromium when its monitor is not there yet or comes back: the
// snapshot is asked for again until it comes, and again when the connection returns; the no-tray notice
// with its Quit button; a `slow` home mount and the programs waiting on it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { MountStatus } from '../../src/common/mount.js';
import type { Connection } from '../../src/common/status-api.js';
import { skipOrFail } from '../support/namespace.js';
import { chromiumUnavailable } from '../support/chromium.js';
import { FakeMonitor, StatusWindowBench, until, type NodeSideApi } from './status-window-harness.js';
import { setTimeout as sleep } from 'node:timers/promises';

const skip = skipOrFail(chromiumUnavailable());

function fixture(now: number): MountStatus[] {
  return [
    { mountpoint: '/', source: '/dev/vda1', fstype: 'ext4', mountId: 21, state: 'ok', since: now - 60_000, latencyMs: 0.3, checkedAt: now },
    { mountpoint: '/home', source: 'nfs1:/export/home', fstype: 'nfs4', mountId: 40, state: 'ok', since: now - 60_000, latencyMs: 4, checkedAt: now },
  ];
}

/** The fake monitor with a connection the test sets, and a count of quits. */
function served(fake: FakeMonitor, extra: Partial<NodeSideApi> = {}) {
  let connection: Connection = { state: 'connected' };
  const listeners = new Set<(c: Connection) => void>();
  let quits = 0;
  const api: NodeSideApi = Object.assign(fake, {
    homeDirectory: async () => '/home/alice',
    connection: () => connection,
    onConnection: (l: (c: Connection) => void) => (listeners.add(l), () => void listeners.delete(l)),
    quit: async () => void quits++,
    ...extra,
  });
  return {
    api,
    quits: () => quits,
    setConnection(c: Connection) {
      connection = c;
      for (const l of listeners) l(c);
    },
  };
}

let bench: StatusWindowBench;
before(async () => {
  if (!skip) bench = await StatusWindowBench.start();
});
after(async () => {
  await bench?.close();
});

test('a snapshot that fails is asked for again until it comes; the error names the real unit', { skip }, async () => {
  const fake = new FakeMonitor(fixture(Date.now()));
  const real = fake.snapshot.bind(fake);
  let calls = 0;
  fake.snapshot = async () => {
    calls++;
    if (calls <= 2) throw new Error('the monitor is still starting');
    return real();
  };
  const w = await bench.open(served(fake).api, { noWait: true });
  const { page } = w;
  await until(page, () => /^Cannot reach the monitor: .*the monitor is still starting.*Trying again in \d+ s.*systemctl status mount-status-monitor\)$/.test(document.getElementById('summary')!.textContent ?? ''), 'the error with a retry');
  await page.waitForSelector('body[data-loaded="true"]', { timeout: 15_000 });
  assert.equal(calls, 3, 'two failures, then the snapshot');
  await until(page, () => document.querySelectorAll('li.mount').length === 2, 'the mounts shown');
  assert.equal(await page.getAttribute('#summary', 'data-error'), null);
  await w.close();
});

test('when the connection comes back, the window reloads what changed while it was gone', { skip }, async () => {
  const fake = new FakeMonitor(fixture(Date.now()));
  const s = served(fake);
  const w = await bench.open(s.api);
  const { page } = w;
  s.setConnection({ state: 'absent', message: 'helper not answering — restart it with: sudo systemctl start mount-status-monitor' });
  await w.delivered();
  await until(page, () => /helper not answering/.test(document.getElementById('connection')!.textContent ?? '') && !document.getElementById('connection')!.hidden, 'the connection line');
  // A mount appears while the window hears nothing (no event): only a new snapshot shows it.
  fake.mounts.set(50, { mountpoint: '/srv/new', source: 'nfs2:/new', fstype: 'nfs4', mountId: 50, state: 'ok', since: Date.now(), latencyMs: 1, checkedAt: Date.now() });
  s.setConnection({ state: 'connected' });
  await w.delivered();
  await until(page, () => !!document.querySelector('li.mount[data-mountpoint="/srv/new"]'), 'the new mount after reconnection');
  await until(page, () => document.getElementById('connection')!.hidden, 'the connection line hidden again');
  await w.close();
});

test('no tray host: the notice says why and how, and Quit quits', { skip }, async () => {
  const fake = new FakeMonitor(fixture(Date.now()));
  const s = served(fake, { appNotice: async () => 'This desktop shows no tray icons (no program owns org.kde.StatusNotifierWatcher on the session bus).' });
  const w = await bench.open(s.api);
  const { page } = w;
  await until(page, () => !document.getElementById('app-notice')!.hidden, 'the notice shown');
  assert.match((await page.textContent('#app-notice-text')) ?? '', /org\.kde\.StatusNotifierWatcher/);
  await page.click('#quit');
  for (let i = 0; i < 50 && s.quits() === 0; i++) await sleep(20);
  assert.equal(s.quits(), 1);
  await w.close();
});

test('a slow home mount: the Slow badge and the programs waiting on it', { skip }, async () => {
  const now = Date.now();
  const fake = new FakeMonitor(fixture(now));
  const w = await bench.open(served(fake).api);
  const { page } = w;
  fake.update({
    ...fake.mounts.get(40)!,
    state: 'slow',
    since: Date.now(),
    blocked: { count: 4, processes: [{ pid: 1234, comm: 'firefox', uid: 1000 }, { pid: 1240, comm: 'firefox', uid: 1000 }, { pid: 2345, comm: 'thunderbird', uid: 1000 }] },
  });
  await w.delivered();
  await until(page, () => document.querySelector<HTMLElement>('li.mount[data-mountpoint="/home"]')?.dataset.state === 'slow', '/home shown slow');
  const row = await page.$eval('li.mount[data-mountpoint="/home"]', (li) => ({
    badge: li.querySelector('.badge')!.textContent,
    problem: li.querySelector('.problem')!.textContent,
    waiting: li.querySelector('.waiting')!.textContent,
    label: li.getAttribute('aria-label'),
  }));
  assert.equal(row.badge, 'Slow');
  assert.match(row.problem ?? '', /^server nfs1 not answering for \d+ s$/);
  // firefox (two processes) and thunderbird, and one process of another user's the monitor only counted.
  assert.equal(row.waiting, 'firefox and 2 other programs are waiting on it: firefox (pid 1234), firefox (pid 1240), thunderbird (pid 2345) and 1 more');
  assert.ok(row.label?.includes('firefox and 2 other programs are waiting on it'), row.label ?? '');
  await w.close();
});
