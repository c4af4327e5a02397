// The status window fed by the real helper: a `mountstatus daemon` process probing real mounts in a
// private mount namespace, reached over its Unix socket by the same client the app uses. tmpfs mounts
// show as OK with latency, capacity and a growing sparkline; a FUSE mount whose daemon is frozen (bindfs
// stopped with SIGSTOP) shows as hung; Recheck goes through the socket to the helper.
// Screenshot: test-artifacts/status-window-hung.png.
import { privateMountNamespace, skipOrFail } from '../support/namespace.js';
const ns = privateMountNamespace(import.meta.url);

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectHelper, type HelperConnection } from '../../src/node/ipc/client.js';
import { DaemonProcess } from '../helper/cli/cli-harness.js';
import { chromiumUnavailable } from '../support/chromium.js';
import { ARTIFACTS, StatusWindowBench, until, type NodeSideApi } from './status-window-harness.js';
import { setTimeout as sleep } from 'node:timers/promises';

const skip = skipOrFail(ns.canMount ? chromiumUnavailable() : ns.reason);

let dir = '';
let bench: StatusWindowBench | undefined;
let daemon: DaemonProcess | undefined;
let helper: HelperConnection | undefined;
let bindfs: ChildProcess | undefined;
const mounted: string[] = [];

function mounts(): string[] {
  // /proc/self/mountinfo field 5 (mountpoints here have no spaces, so no \ooo escapes to decode).
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4] ?? '');
}

async function waitFor(cond: () => boolean, what: string): Promise<void> {
  const limit = Date.now() + 10_000;
  while (!cond()) {
    if (Date.now() > limit) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

before(async () => {
  if (skip) return;
  dir = mkdtempSync('/tmp/msm-window-');
  for (const [name, size] of [['home', '32m'], ['data', '16m']] as const) {
    const p = join(dir, name);
    mkdirSync(p);
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=755`, 'tmpfs', p]);
    mounted.push(p);
  }
  mkdirSync(join(dir, 'home', 'alice'));
  writeFileSync(join(dir, 'data', 'fill'), Buffer.alloc(10 * 1024 * 1024, 1)); // the test fills it, not the helper
  // A FUSE mount whose daemon the test can freeze: bindfs in the foreground, so we own its PID.
  const src = join(dir, 'fuse-src');
  const fuse = join(dir, 'fuse');
  mkdirSync(src);
  mkdirSync(fuse);
  bindfs = spawn('bindfs', ['-f', '-o', 'allow_other', src, fuse], { stdio: 'ignore' });
  await waitFor(() => mounts().includes(fuse), 'bindfs mounted');
  mounted.push(fuse);

  const socket = join(dir, 'run', 'helper-v1.sock');
  daemon = new DaemonProcess(['--interval', '1', '--timeout', '2', '--include', `${dir}/**`, '--socket', socket, '--no-syslog']);
  await waitFor(() => mounts().length > 0 && existsSync(socket), 'the helper socket');
  helper = await connectHelper(socket, { clientName: 'status-window-test' });
  bench = await StatusWindowBench.start();
});

after(async () => {
  await bench?.close();
  if (bindfs?.pid) {
    process.kill(bindfs.pid, 'SIGCONT');
    process.kill(bindfs.pid, 'SIGKILL');
  }
  helper?.close();
  if (daemon) {
    daemon.child.kill('SIGTERM');
    await daemon.exited();
  }
  for (const p of mounted.reverse()) execFileSync('umount', ['-l', p]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('real monitor over real mounts: OK tmpfs, hung frozen FUSE, recheck', { skip }, async () => {
  const h = helper!;
  const api: NodeSideApi = {
    snapshot: () => h.snapshot(),
    onChange: (listener) => h.onChange(listener),
    recheck: (mountpoint) => h.recheck(mountpoint),
    homeDirectory: async () => join(dir, 'home', 'alice'),
  };
  const w = await bench!.open(api);
  const { page } = w;
  const home = join(dir, 'home');
  const data = join(dir, 'data');
  const fuse = join(dir, 'fuse');
  const rowState = (mp: string) => page.getAttribute(`li.mount[data-mountpoint="${mp}"]`, 'data-state');

  await until(page, () => document.querySelectorAll('li.mount[data-state="ok"]').length === 3, 'three mounts OK');
  const pinned = await page.$$eval('section[data-group="home"] li.mount', (els) => els.map((e) => (e as HTMLElement).dataset.mountpoint));
  assert.deepEqual(pinned, [home], 'the home directory mount is pinned on top');
  assert.equal(await page.getAttribute(`li.mount[data-mountpoint="${data}"] .capacity-track`, 'aria-valuenow'), '63', '10 MiB of 16 MiB used');
  assert.match((await page.textContent(`li.mount[data-mountpoint="${data}"] .latency-text`)) ?? '', /^\d+(\.\d)? (ms|s)$/);
  await until(page, (/* history grows with each sweep */) => document.querySelectorAll('li.mount .spark-line').length >= 3, 'sparklines with several probes');

  // Freeze the FUSE daemon: the next probe blocks, is killed at the timeout, and the mount is hung.
  process.kill(bindfs!.pid!, 'SIGSTOP');
  await until(page, () => document.querySelector<HTMLElement>('li.mount[data-state="hung"]') !== null, 'a hung mount');
  assert.equal(await rowState(fuse), 'hung');
  assert.match((await page.textContent(`li.mount[data-mountpoint="${fuse}"] .problem`)) ?? '', /^not responding for \d+ s$/);
  assert.equal(await rowState(home), 'ok', 'one hung mount does not blank the others');
  const order = await page.$$eval('li.mount', (els) => els.map((e) => (e as HTMLElement).dataset.mountpoint));
  assert.deepEqual(order.slice(0, 2), [home, fuse], 'home first, then the problem');
  assert.match((await page.textContent('#summary')) ?? '', /^3 mounts · 1 dead · /);
  await until(page, () => /is now Hung/.test(document.getElementById('announcer')!.textContent ?? ''), 'hung announced');
  await until(page, () => document.querySelectorAll('li.mount[data-state="hung"] .spark-fail').length >= 1, 'failed probe in the sparkline');
  await page.screenshot({ path: `${ARTIFACTS}status-window-hung.png`, fullPage: true });

  // Recheck goes through to the real Monitor.
  await page.click(`li.mount[data-mountpoint="${data}"] button.recheck`);
  await until(page, () => (document.getElementById('notice')!.textContent ?? '').startsWith('Rechecked '), 'recheck answered');
  assert.equal(await page.textContent('#notice'), `Rechecked ${data}.`);

  // Thaw it: the mount answers again and the window says so.
  process.kill(bindfs!.pid!, 'SIGCONT');
  await until(page, () => document.querySelectorAll('li.mount[data-state="ok"]').length === 3, 'all OK again');
  await w.close();
});
