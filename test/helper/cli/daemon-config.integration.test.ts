// A hostile or broken config against the real `mountstatus daemon`: a config path that blocks (a FIFO, a file
// on a frozen or held FUSE mount) no longer wedges reloads or SIGTERM, and absurd timings are refused,
// from the command line, at start and on SIGHUP.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { privateMountNamespace, skipOrFail } from '../../support/namespace.js';
import { fuseFixtureUnavailable, startFuseFixture } from '../../support/fuse-fixture.js';
import { ensureTestUser } from '../../support/test-user.js';
import { DaemonProcess, runCli } from './cli-harness.js';
import { childPids, mountTmpfs, tempRoot } from './fs-fixtures.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { cleanupsAfter } from '../../support/cleanups.js';

const ns = privateMountNamespace(import.meta.url);
const skip = skipOrFail(ns.canMount ? undefined : ns.reason);
const fuseSkip = skip || skipOrFail(fuseFixtureUnavailable());
const cleanups = cleanupsAfter();


/** A temp root holding one tmpfs to check, readable by every user (the daemon may run as one). */
function setup(prefix: string) {
  const root = tempRoot(prefix);
  chmodSync(root, 0o755);
  mountTmpfs(join(root, 'a'));
  return { root, config: join(root, 'msm.conf'), good: `interval = 600\ntimeout = 3\ninclude = ${root}/a\n` };
}

/** Replaces `path` atomically with a symlink to `target` (what a config management tool might do). */
function pointAt(path: string, target: string): void {
  symlinkSync(target, `${path}.new`);
  renameSync(`${path}.new`, path);
}

/** Waits until the daemon has a child that is not its prober: the config reader, mid-read. */
async function readerRunning(daemon: DaemonProcess, before: number[]): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const fresh = childPids(daemon.pid).filter((p) => !before.includes(p));
    if (fresh.length > 0) return fresh[0]!;
    await sleep(25);
  }
  throw new Error(`no config reader child appeared:\n${daemon.stderr}`);
}

/** A daemon whose config is a symlink to a good file, beside a FUSE mount (msm-fusefix) to point it into. */
async function daemonBesideFuse(prefix: string) {
  const { root, config, good } = setup(prefix);
  const fuse = await startFuseFixture(join(root, 'fuse'));
  cleanups.push(() => fuse.stop());
  writeFileSync(join(root, 'good.conf'), good);
  pointAt(config, join(root, 'good.conf'));
  const daemon = new DaemonProcess(['--config', config, '--socket', '', '--no-syslog']);
  cleanups.push(() => daemon.stop());
  await daemon.waitFor(/Checked 1 mounts in/);
  return { root, config, fuse, daemon };
}

async function stopsWithin(daemon: DaemonProcess, ms: number): Promise<number> {
  const sent = Date.now();
  daemon.child.kill('SIGTERM');
  const exit = await Promise.race([daemon.exited(), sleep(ms).then(() => undefined)]);
  const took = Date.now() - sent;
  assert.deepEqual(exit, { code: 0, signal: null }, `SIGTERM ended the daemon within ${ms} ms (took ${took} ms):\n${daemon.stderr}`);
  return took;
}

test('absurd timings and non-decimal numbers are refused on the command line, at start and on SIGHUP', { skip }, async () => {
  const { config, good } = setup('msm-ipc-bounds-');
  const cli = await runCli(['daemon', '--interval', '0.001', '--timeout', '0.0001', '--socket', '', '--no-syslog']);
  assert.equal(cli.code, 2);
  assert.match(cli.stderr, /--timeout: expected a number of seconds from 0\.5 to 86400 \(decimal\), got "0\.0001"/);
  writeFileSync(config, 'interval = 60\ntimeout = 0x10\n');
  const file = await runCli(['daemon', '--config', config, '--socket', '', '--no-syslog']);
  assert.equal(file.code, 2);
  assert.match(file.stderr, /msm\.conf:2: timeout: expected a number of seconds from 0\.5 to 86400 \(decimal\), got "0x10"/);
  writeFileSync(config, good);
  const daemon = new DaemonProcess(['--config', config, '--socket', '', '--no-syslog']);
  cleanups.push(() => daemon.stop());
  await daemon.waitFor(/Checked 1 mounts in/);
  writeFileSync(config, 'interval = 0.001\ntimeout = 0.0001\n');
  daemon.child.kill('SIGHUP');
  await daemon.waitFor(/Kept the previous settings: .*msm\.conf:1: interval: expected a number of seconds from 0\.5/);
  await sleep(1000);
  assert.equal(daemon.count(/Checked 1 mounts in/), 1, 'still one sweep every 600 s, not one every millisecond');
  await stopsWithin(daemon, 5000);
});

test('a FIFO for a config (daemon as an unprivileged user): refused at once, a good file reloads after, SIGTERM works', { skip }, async () => {
  const user = ensureTestUser();
  const { root, config, good } = setup('msm-ipc-fifo-');
  const fifo = join(root, 'fifo');
  execFileSync('mkfifo', ['-m', '644', fifo]);
  const atStart = await runCli(['daemon', '--config', fifo, '--socket', '', '--no-syslog'], { uid: user.uid, gid: user.gid, timeoutMs: 15_000 });
  assert.equal(atStart.code, 2, atStart.stderr);
  assert.match(atStart.stderr, /cannot read config file .*fifo: not a regular file \(a FIFO\)/);
  console.log(`# a FIFO config at start: refused in ${atStart.ms} ms`);

  writeFileSync(join(root, 'good.conf'), good);
  pointAt(config, join(root, 'good.conf'));
  const daemon = new DaemonProcess(['--config', config, '--socket', '', '--no-syslog'], { user });
  cleanups.push(() => daemon.stop());
  await daemon.waitFor(/Starting as uid \d+: checking mounts every 600 seconds/);
  await daemon.waitFor(/Checked 1 mounts in/);
  // The attack: the config becomes a FIFO nobody writes to. Before, readFile() blocked a libuv thread
  // forever, no reload ran again and SIGTERM no longer ended the process.
  pointAt(config, fifo);
  const hup = Date.now();
  daemon.child.kill('SIGHUP');
  await daemon.waitFor(/Kept the previous settings: cannot read config file .*msm\.conf: not a regular file \(a FIFO\)/, 10_000);
  console.log(`# SIGHUP with a FIFO config: refused in ${Date.now() - hup} ms`);
  writeFileSync(join(root, 'good2.conf'), good.replace('timeout = 3', 'timeout = 4'));
  pointAt(config, join(root, 'good2.conf'));
  daemon.child.kill('SIGHUP');
  await daemon.waitFor(/Reloaded .*msm\.conf: checking mounts every 600 seconds \(watched ones every 1 second\), slow after 1\.5 seconds, timeout 4 seconds/, 10_000);
  const took = await stopsWithin(daemon, 5000);
  console.log(`# SIGTERM after the FIFO reload: exited in ${took} ms`);
});

test('a config on a frozen FUSE mount: the reload gives up at its deadline, later ones work, SIGTERM mid-read works', { skip: fuseSkip, timeout: 90_000 }, async () => {
  const { root, config, fuse, daemon } = await daemonBesideFuse('msm-ipc-frozen-');
  const forkServer = childPids(daemon.pid);
  await fuse.freeze();
  pointAt(config, join(root, 'fuse', 'hello.txt')); // a read of it waits on the frozen daemon
  const hup = Date.now();
  daemon.child.kill('SIGHUP');
  await readerRunning(daemon, forkServer);
  await daemon.waitFor(/Kept the previous settings: cannot read config file .*msm\.conf: no answer within 5 seconds \(is it on a hung mount\?\)/, 15_000);
  console.log(`# SIGHUP with the config on a frozen mount: gave up after ${Date.now() - hup} ms`);
  // The reader was killed (a request queued for a frozen FUSE daemon yields to SIGKILL): the next reload runs.
  await sleep(300);
  assert.deepEqual(childPids(daemon.pid).filter((p) => !forkServer.includes(p)), [], 'no reader left behind');
  pointAt(config, join(root, 'good.conf'));
  daemon.child.kill('SIGHUP');
  await daemon.waitFor(/Reloaded .*msm\.conf/, 10_000);
  // And SIGTERM in the middle of a blocked reload ends the process within seconds.
  pointAt(config, join(root, 'fuse', 'hello.txt'));
  daemon.child.kill('SIGHUP');
  await readerRunning(daemon, forkServer);
  await sleep(300);
  const took = await stopsWithin(daemon, 4000);
  console.log(`# SIGTERM during a reload blocked on a frozen mount: exited in ${took} ms`);
  fuse.thaw();
});

test('a config read held by the FUSE daemon (reader in D state, SIGKILL cannot end it): no second reader, SIGTERM still works', { skip: fuseSkip, timeout: 90_000 }, async () => {
  const { root, config, fuse, daemon } = await daemonBesideFuse('msm-ipc-held-');
  pointAt(config, join(root, 'fuse', 'hello.txt'));
  fuse.setMode('hang');
  daemon.child.kill('SIGHUP');
  await fuse.waitHeld(1);
  await daemon.waitFor(/Kept the previous settings: cannot read config file .*no answer within 5 seconds/, 15_000);
  // SIGHUP storm: each one is refused at once while the stuck reader lives; none piles up behind it.
  for (let i = 0; i < 5; i++) {
    daemon.child.kill('SIGHUP');
    await sleep(100);
  }
  await daemon.waitFor(/Kept the previous settings: cannot read config file .*the last read \(child process \d+\) is still stuck after SIGKILL; not reading it again until that one exits/);
  await sleep(500);
  assert.equal(fuse.held(), 1, 'one reader held, no pile-up');
  const took = await stopsWithin(daemon, 4000);
  console.log(`# SIGTERM with a config reader stuck in D state: exited in ${took} ms`);
  fuse.setMode('ok');
});

test('SIGTERM during start-up, while the config read waits on a frozen mount: exits at once', { skip: fuseSkip, timeout: 60_000 }, async () => {
  const { root } = setup('msm-ipc-start-');
  const fuse = await startFuseFixture(join(root, 'fuse'));
  cleanups.push(() => fuse.stop());
  await fuse.freeze();
  const daemon = new DaemonProcess(['--config', join(root, 'fuse', 'hello.txt'), '--socket', '', '--no-syslog']);
  cleanups.push(() => daemon.stop());
  await readerRunning(daemon, []);
  await sleep(300);
  const took = await stopsWithin(daemon, 3000);
  console.log(`# SIGTERM while reading the config at start-up: exited in ${took} ms`);
  assert.match(daemon.stderr, /stopped while reading the config file, before starting/);
  assert.doesNotMatch(daemon.stderr, /no answer within/, 'ended by the signal, not by the read deadline');
  fuse.thaw();
  rmSync(join(root, 'msm.conf'), { force: true });
});
