// The status window in Debian's Chromium with a snapshot the helper's socket had to cut:
// a mount whose path is 750 KiB (a user's FUSE mount moved under thousands of nested names) arrives as its
// head and tail around the marker, and a snapshot too big for one reply arrives with mounts left out. The
// snapshot is made by the helper's own functions (src/helper/ipc/wire-caps.ts), so the window sees what
// the socket sends; it must say both plainly (screenshot: test-artifacts/status-window-cut-texts.png).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Snapshot } from '../../src/common/monitor-api.js';
import type { MountStatus } from '../../src/common/mount.js';
import { fitSnapshot, wireMount } from '../../src/helper/ipc/wire-caps.js';
import { chromiumUnavailable } from '../support/chromium.js';
import { skipOrFail } from '../support/namespace.js';
import { ARTIFACTS, FakeMonitor, StatusWindowBench, until, type NodeSideApi } from './status-window-harness.js';

const skip = skipOrFail(chromiumUnavailable());

let bench: StatusWindowBench;
before(async () => {
  if (!skip) bench = await StatusWindowBench.start();
});
after(async () => {
  await bench?.close();
});

test('a shortened path and mounts left out of the snapshot are said plainly', { skip }, async () => {
  const now = Date.now();
  const deep = `/home/alice/${Array.from({ length: 3000 }, (_, i) => `d${String(i).padStart(4, '0')}${'x'.repeat(250)}`).join('/')}/mnt`;
  const full: MountStatus = { mountpoint: deep, source: 'alice@build-box:/srv', fstype: 'fuse.sshfs', mountId: 90, state: 'hung', since: now - 60_000, checkedAt: now, probePid: 4444 };
  const cut = wireMount(full);
  assert.ok(cut.truncated?.mountpoint === Buffer.byteLength(deep), 'the socket cut the path and says its length');
  const fine = Array.from({ length: 40 }, (_, i): MountStatus => ({
    mountpoint: `/srv/vol${i}`,
    source: `nfs1:/export/vol${i}`,
    fstype: 'nfs4',
    mountId: 100 + i,
    state: 'ok',
    since: now - 600_000,
    latencyMs: 2,
    checkedAt: now,
  }));
  const whole: Snapshot = { identity: { mode: 'system', privileged: true, pid: 4321, version: '0.1.0' }, mounts: [...fine, cut] };
  // Room for the cut mount and about ten others: what a 4 MiB frame is to ten thousand mounts.
  const room = JSON.stringify({ type: 'snapshot', id: 1, snapshot: { ...whole, mounts: [cut, ...fine.slice(0, 10)], omitted: 41 } }).length;
  const sent = fitSnapshot(whole, 1, room);
  assert.ok(sent.omitted! >= 25 && sent.mounts.includes(cut), `omitted ${sent.omitted}, the mount with a problem kept`);

  const fake = new FakeMonitor(sent.mounts);
  fake.snapshot = async () => sent;
  const api: NodeSideApi = Object.assign(fake, { homeDirectory: async () => '/home/alice' });
  const w = await bench.open(api);
  const { page } = w;
  const omittedText = `${sent.omitted} more mounts not shown: too many for one reply from the helper`;
  await until(page, () => document.querySelectorAll('li.mount').length > 0, 'rows');
  const summary = (await page.textContent('#summary')) ?? '';
  assert.ok(summary.includes(` · ${omittedText} · `), summary);

  const row = await page.$eval('li.mount[data-key^="90:"]', (li) => ({
    path: li.querySelector('.mountpoint')!.textContent ?? '',
    shortened: li.querySelector('.shortened')!.textContent,
    label: li.getAttribute('aria-label') ?? '',
    mountpoint: (li as HTMLElement).dataset.mountpoint ?? '',
  }));
  assert.equal(row.shortened, 'path shortened: 750 KiB');
  assert.match(row.path, new RegExp(`^/home/alice/d0000x+.*…\\[${Buffer.byteLength(deep)} bytes, sha256 [0-9a-f]{12}\\]….*/mnt$`));
  assert.ok(row.path.length < 1100, `the row shows the cut form (${row.path.length} characters)`);
  assert.ok(row.label.includes('path shortened: 750 KiB'), 'a screen reader hears it too');
  assert.equal(row.mountpoint, cut.mountpoint, 'the cut form is what a recheck names (the helper resolves it)');
  await page.screenshot({ path: `${ARTIFACTS}status-window-cut-texts.png` });

  // A left-out mount that reports in (its next probe) is shown, and counted off.
  fake.update(fine.find((m) => !sent.mounts.includes(m))!);
  await w.delivered();
  const fewer = `${sent.omitted! - 1} more mounts not shown`;
  await page.waitForFunction((text) => document.getElementById('summary')!.textContent!.includes(text), fewer, { timeout: 15_000, polling: 50 });
  await page.click('li.mount[data-key^="90:"] button.recheck');
  await until(page, () => /^Rechecked /.test(document.getElementById('notice')!.textContent ?? ''), 'the recheck');
  assert.deepEqual(fake.rechecks, [cut.mountpoint]);
  await w.close();
});
