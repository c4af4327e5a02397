// What the kernel's NFS client showed the daemon, on real FUSE mounts standing in for it: a hard mount's
// probe killed at every timeout that takes a moment to die, a hard mount timing out probe after probe, a
// soft mount failing each probe with EIO after a while. The daemon runs as a real process watching the
// mount every half second; `status --follow --json` records what clients see, its log what admins see.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fuseFixtureUnavailable, startFuseFixture, threadStates } from '../../support/fuse-fixture.js';
import { privateMountNamespace, skipOrFail } from '../../support/namespace.js';
import { DaemonProcess } from './cli-harness.js';
import { Follower } from './follow-client.js';
import { tempRoot } from './fs-fixtures.js';
import { cleanupsAfter } from '../../support/cleanups.js';

const ns = privateMountNamespace(import.meta.url);
const skip = skipOrFail(ns.canMount ? fuseFixtureUnavailable() : ns.reason);
const cleanups = cleanupsAfter();

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A daemon watching `mnt` every 0.5 s (slow after 0.5 s), and a follower of its changes. */
async function watching(root: string, mnt: string, timeoutSeconds: number) {
  const socket = join(root, 'helper.sock');
  const daemon = new DaemonProcess([
    '--interval', '600', '--timeout', String(timeoutSeconds), '--watch-interval', '0.5', '--slow-after', '0.5',
    '--watch', mnt, '--include', `${root}/**`, '--no-syslog', '--socket', socket,
  ]);
  cleanups.push(() => daemon.stop());
  await daemon.waitFor(/Checked 1 mounts in \d+ seconds\n/);
  const follow = new Follower(socket);
  cleanups.push(() => follow.stop());
  await follow.waitFor((m) => m.mountpoint === mnt && m.state === 'ok');
  return { daemon, follow, states: () => follow.lines.filter((l) => l.mount.mountpoint === mnt).map((l) => l.mount.state) };
}

test('a killed probe that exits within the grace is hung, never stuck; one held past it is stuck, and said so once', { skip, timeout: 90_000 }, async () => {
  const root = tempRoot('msm-grace-');
  const mnt = join(root, 'nfs');
  const fx = await startFuseFixture(mnt, { mode: 'ok' });
  cleanups.push(() => fx.stop());
  const { daemon, follow, states } = await watching(root, mnt, 1);

  // The first probe's request is held: at the timeout it is killed, but stays in D state until let go.
  fx.setMode('hang');
  await daemon.waitFor(/Timed out waiting for child process (\d+): sending SIGKILL/);
  const pid = Number(/Timed out waiting for child process (\d+)/.exec(daemon.stderr)![1]);
  // Three watch ticks come while it is still there (before the fix each reported it stuck at once).
  await sleep(1500);
  assert.ok(threadStates(pid).includes('D'), `probe ${pid} still in D state: ${threadStates(pid).join('')}`);
  fx.setMode('ok'); // let go: it exits about 1.6 s after its SIGKILL, as a killed NFS probe does in a slow guest
  await daemon.waitFor(new RegExp(`Mountpoint ${escape(mnt)} is responding again after`), 10_000);
  assert.doesNotMatch(daemon.stderr, /still stuck|exited after being stuck/, daemon.stderr);
  assert.ok(!states().includes('stuck'), `clients saw: ${states().join(' ')}`);

  // Held past the grace (5 s): stuck, logged once, and let go again.
  const seen = follow.lines.length;
  fx.setMode('hang');
  await daemon.waitFor(/Timed out waiting for child process (\d+)[^]*Timed out waiting for child process (\d+)/, 10_000);
  const killedAt = Date.now();
  const stuck = await follow.waitFor((m) => m.mountpoint === mnt && m.state === 'stuck', 15_000, seen);
  const after = (stuck.at - killedAt) / 1000;
  console.log(`# a probe held past the grace: stuck ${after.toFixed(1)} s after its SIGKILL line (grace 5 s)`);
  assert.ok(after >= 4.5, `stuck only after the grace, not ${after} s after SIGKILL`);
  await daemon.waitFor(new RegExp(`Child process \\d+ for ${escape(mnt)} is still stuck [5-9] seconds after SIGKILL`));
  fx.setMode('ok');
  await daemon.waitFor(new RegExp(`Child process \\d+ for ${escape(mnt)} exited after being stuck for \\d+ seconds?; probing it again`), 10_000);
  assert.equal(daemon.count(/is still stuck/), 1);
  daemon.child.kill('SIGTERM');
  assert.equal((await daemon.exited()).code, 0);
});

test('a hard mount timing out probe after probe: one timeout line and one not-responding line for the outage, hung throughout', { skip, timeout: 90_000 }, async () => {
  const root = tempRoot('msm-hard-');
  const mnt = join(root, 'nfs');
  const fx = await startFuseFixture(mnt, { mode: 'ok' });
  cleanups.push(() => fx.stop());
  const { daemon, follow, states } = await watching(root, mnt, 1);
  const before = follow.lines.length;
  // Frozen, its requests wait in the kernel where SIGKILL takes their callers out: NFS's killable wait.
  await fx.freeze();
  await follow.waitFor((m) => m.mountpoint === mnt && m.state === 'hung', 10_000, before);
  await sleep(8000); // several timeouts: each probe is killed at 1 s, the next one starts half a second later
  const thawed = follow.lines.length;
  fx.thaw();
  await daemon.waitFor(new RegExp(`Mountpoint ${escape(mnt)} is responding again after`), 10_000);
  await follow.waitFor((m) => m.mountpoint === mnt && m.state === 'ok', 10_000, thawed);
  const all = follow.lines.slice(before).filter((l) => l.mount.mountpoint === mnt).map((l) => l.mount.state!);
  const during = all.slice(all.indexOf('slow')); // from the outage's first sign (ok answers may come before the freeze)
  const hungs = during.filter((s) => s === 'hung').length;
  console.log(`# 8 s of outage: ${hungs} timed-out probes pushed to clients, ${daemon.count(/Timed out waiting/)} timeout line, states ${during.join(' ')}`);
  assert.ok(hungs >= 3, `the mount was probed again and again: ${during.join(' ')}`);
  assert.deepEqual([...new Set(during)], ['slow', 'hung', 'ok'], `slow, then hung until it answered: ${during.join(' ')}`);
  assert.equal(daemon.count(/Timed out waiting for child process/), 1, daemon.stderr);
  assert.equal(daemon.count(new RegExp(`Mountpoint ${escape(mnt)} is not responding: no answer within 1 second`)), 1, daemon.stderr);
  assert.equal(daemon.count(/responding again/), 1);
  assert.ok(!states().includes('stuck'));
  daemon.child.kill('SIGTERM');
  assert.equal((await daemon.exited()).code, 0);
});

test('a soft mount failing every probe with EIO after 0.8 s settles in error: no flapping to slow, one line', { skip, timeout: 60_000 }, async () => {
  const root = tempRoot('msm-soft-');
  const mnt = join(root, 'nfs');
  const fx = await startFuseFixture(mnt, { mode: 'ok' });
  cleanups.push(() => fx.stop());
  const { daemon, follow } = await watching(root, mnt, 5);
  const before = follow.lines.length;
  fx.setMode('slow-eio:800'); // each probe: slow at 0.5 s, EIO at 0.8 s, as a soft mount's retries run out
  await follow.waitFor((m) => m.mountpoint === mnt && m.state === 'error', 10_000, before);
  await sleep(6000);
  fx.setMode('ok');
  await daemon.waitFor(new RegExp(`Mountpoint ${escape(mnt)} is responding again after`), 10_000);
  const during = follow.lines.slice(before).filter((l) => l.mount.mountpoint === mnt).map((l) => l.mount.state!);
  const errors = during.filter((s) => s === 'error').length;
  console.log(`# 6 s of EIO after 0.8 s: ${errors} failed probes pushed, states ${during.join(' ')}`);
  assert.ok(errors >= 4, `probed again and again: ${during.join(' ')}`);
  const settled = during.slice(during.indexOf('error'), during.lastIndexOf('error') + 1);
  assert.deepEqual([...new Set(settled)], ['error'], `once failing, it stays so: ${during.join(' ')}`);
  assert.equal(daemon.count(new RegExp(`Couldn't check mountpoint ${escape(mnt)}: EIO: Input/output error`)), 1, daemon.stderr);
  daemon.child.kill('SIGTERM');
  assert.equal((await daemon.exited()).code, 0);
});
