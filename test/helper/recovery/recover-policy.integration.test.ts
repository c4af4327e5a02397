// The recover policy with a real daemon: `recover = GLOB after 2s force` unmounts a frozen FUSE mount once
// it has not responded for 2 s, logs it in the documented words, and does it once; a try that fails (a
// program keeps the mount busy) is logged once and not repeated during the outage; mounts no rule names
// are left alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fuseFixtureUnavailable, startFuseFixture, type FuseFixture } from '../../support/fuse-fixture.js';
import { makeTempRoot, mountsAt, type TempRoot } from '../../support/mounts.js';
import { privateMountNamespace, skipOrFail } from '../../support/namespace.js';
import type { DaemonProcess } from '../cli/cli-harness.js';
import { startRecoveryDaemon } from './recovery-daemon.js';
import { Follower } from '../cli/follow-client.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { cleanupsAfter } from '../../support/cleanups.js';

const ns = privateMountNamespace(import.meta.url);
const skip = skipOrFail(ns.canMount ? fuseFixtureUnavailable() : ns.reason);
const cleanups = cleanupsAfter();


let world: { root: TempRoot; daemon: DaemonProcess; follow: Follower } | undefined;

async function setUp() {
  if (world) return world;
  const root = makeTempRoot('msm-recover-');
  cleanups.push(() => root.cleanup());
  const { socket, daemon } = await startRecoveryDaemon({
    config: ['timeout = 2', `watch = ${root.path}/*`, `recover = ${root.path}/policy-* after 2s force`],
    args: ['--include', `${root.path}/**`],
    cleanups,
  });
  const follow = new Follower(socket);
  cleanups.push(() => follow.stop());
  world = { root, daemon, follow };
  return world;
}

async function fuse(name: string): Promise<FuseFixture> {
  const { root } = await setUp();
  const fx = await startFuseFixture(root.join(name));
  cleanups.push(() => fx.stop());
  return fx;
}

test('a rule fires once its mount has not responded for its duration, says so, and only once', { skip }, async () => {
  const { daemon, follow } = await setUp();
  const fx = await fuse('policy-a');
  const bystander = await fuse('other-a');
  await follow.waitFor((m) => m.mountpoint === fx.mountpoint && m.state === 'ok');
  const cat = spawn('sh', ['-c', 'read x; exec cat hello.txt'], { cwd: fx.mountpoint, stdio: ['pipe', 'ignore', 'ignore'] });
  cleanups.push(() => void cat.kill('SIGKILL'));
  await fx.freeze();
  await bystander.freeze();
  const frozenAt = Date.now();
  cat.stdin!.write('go\n');
  const first = await follow.waitFor((m) => m.mountpoint === fx.mountpoint && m.state === 'slow', 10_000);

  await daemon.waitFor(new RegExp(`Force-unmounted ${fx.mountpoint} after \\d+ seconds not responding: 1 blocked process released`), 20_000);
  const firedAfter = Date.now() - first.at;
  console.log(`# the rule fired ${firedAfter} ms after the mount was reported slow (${Date.now() - frozenAt} ms after the freeze); rule: after 2s`);
  assert.ok(firedAfter >= 1500, `not before its duration (${firedAfter} ms after slow)`);
  assert.equal(mountsAt(fx.mountpoint).some((m) => m.id === fx.mountId), false, 'unmounted');
  await follow.waitFor((m) => m.mountpoint === fx.mountpoint && m.removed === true, 10_000);

  await sleep(4000);
  assert.equal(daemon.count(/Force-unmounted|Couldn't unmount|Refused to unmount/), 1, `one action in all:\n${daemon.stderr}`);
  assert.ok(mountsAt(bystander.mountpoint).some((m) => m.id === bystander.mountId), 'a mount no rule names is left alone');
  bystander.thaw();
});

test('a try that fails is logged once and not repeated while the outage lasts', { skip }, async () => {
  const { daemon, follow } = await setUp();
  const fx = await fuse('policy-busy');
  await follow.waitFor((m) => m.mountpoint === fx.mountpoint && m.state === 'ok');
  const holder = spawn('sleep', ['120'], { cwd: fx.mountpoint, stdio: 'ignore' });
  cleanups.push(() => void holder.kill('SIGKILL'));
  await sleep(200);
  const before = daemon.count(/Couldn't unmount/);
  await fx.freeze();
  await daemon.waitFor(new RegExp(`Couldn't unmount ${fx.mountpoint}: ${fx.mountpoint} is still in use by sleep\\[${holder.pid}\\] \\(cwd\\)`), 20_000);
  await sleep(5000);
  assert.equal(daemon.count(/Couldn't unmount/) - before, 1, 'tried once');
  assert.ok(mountsAt(fx.mountpoint).some((m) => m.id === fx.mountId), '--force left the busy mount');
  holder.kill('SIGKILL');
});
