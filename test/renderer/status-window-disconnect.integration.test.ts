// The status window in Debian's Chromium, for mounts that do not answer ("Desktop"): the user's
// own FUSE mount gets a Disconnect button, any other mount the words of who can act and its exact command
// to copy (screenshot: test-artifacts/status-window-disconnect.png). The advice is the app's own (src/main/mount-recovery.ts over a mount table given as mountinfo
// text, as main computes it); only the disconnect itself is the test's.
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import assert from 'node:assert/strict';
import { parseMountinfo } from '../../src/common/mount-table/mountinfo.js';
import type { MountStatus } from '../../src/common/mount.js';
import type { DisconnectResult } from '../../src/common/recovery.js';
import { setupMountRecovery } from '../../src/main/mount-recovery.js';
import { chromiumUnavailable } from '../support/chromium.js';
import { skipOrFail } from '../support/namespace.js';
import { ARTIFACTS, FakeMonitor, StatusWindowBench, until, type NodeSideApi } from './status-window-harness.js';

const skip = skipOrFail(chromiumUnavailable());
const UID = 1000;
const OWN = '/home/alice/remote';

const TABLE = parseMountinfo(
  [
    '21 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw',
    '45 21 0:52 / /home/alice/remote rw,nosuid,nodev,relatime shared:5 - fuse.sshfs alice@build-box:/srv rw,user_id=1000,group_id=1000',
    '41 21 0:53 / /proj rw,relatime shared:3 - nfs4 nfs1:/export/proj rw,vers=4.2,addr=10.0.0.1',
  ].join('\n') + '\n',
);

function fixture(now: number): MountStatus[] {
  return [
    { mountpoint: '/', source: '/dev/vda1', fstype: 'ext4', mountId: 21, state: 'ok', since: now - 60_000, latencyMs: 0.3, checkedAt: now },
    { mountpoint: '/proj', source: 'nfs1:/export/proj', fstype: 'nfs4', mountId: 41, state: 'hung', since: now - 180_000, checkedAt: now, probePid: 30686 },
    { mountpoint: OWN, source: 'alice@build-box:/srv', fstype: 'fuse.sshfs', mountId: 45, state: 'hung', since: now - 30_000, checkedAt: now, probePid: 30690 },
  ];
}

/** The fake monitor, the app's advice for it, and a disconnect the test answers when it likes. */
function served(fake: FakeMonitor) {
  const asked: string[] = [];
  let answer: (r: DisconnectResult) => void = () => undefined;
  const recovery = setupMountRecovery({
    api: fake,
    uid: UID,
    readTable: async () => TABLE,
    disconnect: (status) => {
      asked.push(status.mountpoint);
      return new Promise<DisconnectResult>((resolve) => (answer = resolve));
    },
  });
  const api: NodeSideApi = Object.assign(fake, {
    homeDirectory: async () => '/home/alice',
    recoveryAdvice: () => recovery.adviseNow(),
    disconnect: (mp: string) => recovery.disconnect(mp),
  });
  return { api, asked, answer: (r: DisconnectResult) => answer(r) };
}

let bench: StatusWindowBench;
before(async () => {
  if (skip) return;
  bench = await StatusWindowBench.start();
  await bench.browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: bench.server.url });
});
after(async () => {
  await bench?.close();
});

interface Row {
  recovery: boolean;
  advice: string;
  disconnect: string | null;
  disconnectLabel: string | null;
  disconnectDisabled: boolean;
  copy: boolean;
  label: string;
}

/** What a row shows of its advice (hidden parts as hidden). */
function rowOf(page: Page, mountpoint: string): Promise<Row | undefined> {
  return page.evaluate((mp) => {
    const li = Array.from(document.querySelectorAll<HTMLElement>('li.mount')).find((l) => l.dataset.mountpoint === mp);
    if (!li) return undefined;
    const visible = (sel: string) => li.querySelector<HTMLElement>(sel)!.closest('[hidden]') === null;
    const disconnect = li.querySelector<HTMLButtonElement>('button.disconnect')!;
    return {
      recovery: visible('.recovery'),
      advice: li.querySelector('.advice')!.textContent ?? '',
      disconnect: visible('button.disconnect') ? disconnect.textContent : null,
      disconnectLabel: disconnect.getAttribute('aria-label'),
      disconnectDisabled: disconnect.disabled,
      copy: visible('button.copy-command'),
      label: li.getAttribute('aria-label') ?? '',
    };
  }, mountpoint);
}

test("the user's own FUSE mount offers Disconnect; another mount says who can act and copies its command", { skip }, async () => {
  const fake = new FakeMonitor(fixture(Date.now()));
  const s = served(fake);
  const w = await bench.open(s.api);
  const { page } = w;
  const row = (mp: string) => rowOf(page, mp);
  await until(page, () => document.querySelectorAll('li.mount .recovery:not([hidden])').length === 2, 'advice on both dead rows');
  await page.screenshot({ path: `${ARTIFACTS}status-window-disconnect.png`, fullPage: true });

  const own = (await row(OWN))!;
  assert.equal(own.disconnect, 'Disconnect');
  assert.equal(own.disconnectLabel, `Disconnect ${OWN}`);
  assert.equal(own.copy, false, 'nothing to copy: the user can act');
  assert.equal(own.advice, 'Your own FUSE mount: Disconnect takes it away and frees the programs waiting on it.');

  const proj = (await row('/proj'))!;
  assert.equal(proj.disconnect, null, 'not theirs: no Disconnect');
  assert.equal(proj.copy, true);
  assert.equal(proj.advice, "Only an administrator (root, or a member of the helper's admin-group) can disconnect /proj, which frees the programs stuck on it: sudo mountstatus disconnect /proj");
  assert.ok(proj.label.includes('sudo mountstatus disconnect /proj'), 'the command is in the row name a screen reader says');
  assert.equal((await row('/'))!.recovery, false, 'a mount that answers offers nothing');

  // Copy command: the exact command, on the clipboard.
  await page.click('li.mount[data-mountpoint="/proj"] button.copy-command');
  await until(page, () => /^Copied: /.test(document.getElementById('notice')!.textContent ?? ''), 'the copy confirmed');
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), 'sudo mountstatus disconnect /proj');

  // Disconnect: the button says it is under way until the app answers, then the result.
  await page.click(`li.mount[data-mountpoint="${OWN}"] button.disconnect`);
  await until(page, () => document.querySelector(`li.mount[data-key="45:/home/alice/remote"] button.disconnect`)?.textContent === 'Disconnecting…', 'Disconnecting…');
  assert.equal((await rowOf(page, OWN))!.disconnectDisabled, true);
  assert.deepEqual(s.asked, [OWN], 'main was asked for exactly this mount');
  s.answer({ gone: true, steps: ['aborted FUSE connection 52: the programs waiting on /home/alice/remote get an error now', 'fusermount3 -u -z: /home/alice/remote is unmounted'] });
  await until(page, () => /^Disconnected \/home\/alice\/remote: aborted FUSE connection 52/.test(document.getElementById('notice')!.textContent ?? ''), 'the result');
  fake.emit({ type: 'removed', mountpoint: OWN });
  await w.delivered();
  await until(page, () => !document.querySelector('li.mount[data-key="45:/home/alice/remote"]'), 'the row gone with the mount');

  // /proj answers again: its advice goes with the outage.
  fake.update({ ...fake.mounts.get(41)!, state: 'ok', since: Date.now(), latencyMs: 3 });
  await w.delivered();
  await until(page, () => document.querySelector<HTMLElement>('li.mount[data-mountpoint="/proj"] .recovery')?.hidden === true, 'no advice once it answers');
  await w.close();
});

test('a Disconnect the app refuses or that fails says why, and the button comes back', { skip }, async () => {
  const fake = new FakeMonitor(fixture(Date.now()));
  const s = served(fake);
  const w = await bench.open(s.api);
  const { page } = w;
  await until(page, () => !!document.querySelector('li.mount[data-key="45:/home/alice/remote"] button.disconnect:not([hidden])'), 'Disconnect offered');
  await page.click(`li.mount[data-mountpoint="${OWN}"] button.disconnect`);
  await until(page, () => document.querySelector(`li.mount[data-key="45:/home/alice/remote"] button.disconnect`)?.textContent === 'Disconnecting…', 'Disconnecting…');
  s.answer({ gone: false, steps: ['could not abort FUSE connection 52 (EACCES): programs already waiting on it may stay blocked until its server answers'], reason: 'fusermount3 -u -z /home/alice/remote failed: Device or resource busy' });
  await until(page, () => document.getElementById('notice')!.dataset.error === 'true', 'an error notice');
  assert.equal(
    await page.textContent('#notice'),
    'Could not disconnect /home/alice/remote: fusermount3 -u -z /home/alice/remote failed: Device or resource busy (could not abort FUSE connection 52 (EACCES): programs already waiting on it may stay blocked until its server answers).',
  );
  await until(page, () => document.querySelector<HTMLButtonElement>(`li.mount[data-key="45:/home/alice/remote"] button.disconnect`)?.disabled === false, 'the button back');
  // Keyboard: the current row's buttons are in the tab order, Disconnect among them.
  await page.focus(`li.mount[data-mountpoint="${OWN}"]`);
  const tabbable = await page.$$eval(`li.mount[data-mountpoint="${OWN}"] button:not([hidden])`, (bs) => bs.map((b) => [(b as HTMLElement).dataset.action, (b as HTMLElement).tabIndex]));
  assert.deepEqual(tabbable, [['recheck', 0], ['disconnect', 0]]);
  await w.close();
});
