// Against Debian's real automount daemon (test/support/automount.ts), in a private mount namespace:
// our usage scan + policy never keep an idle automount alive, see the busy ones, never trigger a key,
// and notice a dead daemon. The test process never touches a path under the autofs mount itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { kernelLacks, privateMountNamespace, skipOrFail } from '../../support/namespace.js';
import { autofsUnavailable, startAutomount, waitFor, type Automount } from '../../support/automount.js';
import { scaled } from '../../support/slowdown.js';
import { scanUsage } from '../../../src/node/automount/usage.js';
import { classifyAutomounts, type AutomountDecision } from '../../../src/node/automount/policy.js';
import { daemonStatuses, livePgrps } from '../../../src/node/automount/daemon-alive.js';
import { automountedIds } from '../../../src/node/automount/refine-plan.js';
import { setTimeout as sleep } from 'node:timers/promises';

const ns = privateMountNamespace(import.meta.url);
const skip = skipOrFail(ns.canMount ? undefined : ns.reason) || kernelLacks(autofsUnavailable());
const run = promisify(execFile);

/** What the monitor does each sweep for automounts: /proc scans + pure policy. Touches no mount path. */
async function sweep(am: Automount): Promise<Map<number, AutomountDecision>> {
  const entries = am.entries();
  const usage = await scanUsage({ entries, of: automountedIds(entries) });
  return classifyAutomounts(entries, usage.busy, livePgrps());
}

function kill(children: ChildProcess[]): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}

test('an idle automount expires while our usage scan and policy run every second', { skip, timeout: scaled(60_000) }, async () => {
  const am = await startAutomount({ timeout: 3 });
  try {
    await am.trigger('a');
    const t0 = Date.now();
    let sweeps = 0;
    let expiredAfterMs: number | undefined;
    // Interval 1 s < timeout 3 s: were anything we do to walk through the key, it would never expire.
    while (Date.now() - t0 < 25_000) {
      const decisions = await sweep(am);
      sweeps++;
      const a = am.mountOf('a');
      if (!a) {
        expiredAfterMs = Date.now() - t0;
        break;
      }
      const d = decisions.get(a.mountId);
      assert.equal(d?.role, 'automounted');
      assert.equal(d?.probe, false);
      assert.equal(d?.state, 'idle');
      assert.equal(d?.message, 'automounted, idle: left alone so it can expire (timeout 3 s)');
      assert.equal(d?.autofsMountpoint, am.mnt);
      assert.equal(d?.daemonAlive, true);
      await sleep(1000);
    }
    console.log(`# idle automount expired after ${expiredAfterMs} ms, ${sweeps} sweeps`);
    assert.ok(expiredAfterMs !== undefined, `the idle automount did not expire within 25 s (${sweeps} sweeps)\n${am.log()}`);
    assert.ok(sweeps >= 3, `only ${sweeps} sweeps ran before expiry: the test did not exercise the policy`);
  } finally {
    await am.stop();
  }
});

test('control: a stat() through the key every second keeps it mounted (why idle ones are not probed)', { skip, timeout: scaled(60_000) }, async () => {
  const am = await startAutomount({ timeout: 3 });
  try {
    await am.trigger('a');
    const t0 = Date.now();
    while (Date.now() - t0 < 10_000) {
      await run('stat', [join(am.mnt, 'a')]);
      await sleep(1000);
    }
    assert.ok(am.mountOf('a'), 'a stat every second should have kept the automount alive past 3× its timeout');
  } finally {
    await am.stop();
  }
});

test('an automount with a cwd or an open file inside is busy and probed', { skip, timeout: scaled(60_000) }, async () => {
  const am = await startAutomount({ timeout: 3 });
  const children: ChildProcess[] = [];
  try {
    const b = await am.trigger('b');
    const c = await am.trigger('c');
    const a = await am.trigger('a');
    children.push(am.spawnInside('exec sleep 60', join(am.mnt, 'b')));
    children.push(am.spawnInside(`exec 3<${join(am.mnt, 'c', 'f')}; exec sleep 60`));
    let decisions = await sweep(am);
    const t0 = Date.now();
    while (Date.now() - t0 < 10_000) {
      decisions = await sweep(am);
      if (decisions.get(b.mountId)?.probe && decisions.get(c.mountId)?.probe) break;
      await sleep(100);
    }
    const usage = await scanUsage({ entries: am.entries(), of: automountedIds(am.entries()) });
    assert.match(usage.users.get(b.mountId) ?? '', /^pid \d+ cwd$/);
    assert.match(usage.users.get(c.mountId) ?? '', /^pid \d+ fd 3$/);
    assert.deepEqual({ ...decisions.get(b.mountId), daemonPgrp: 0, autofsMountId: 0 }, {
      role: 'automounted', probe: true, busy: true, map: am.map, autofsMountpoint: am.mnt, autofsMountId: 0,
      timeoutSeconds: 3, strictexpire: false, daemonAlive: true, daemonPgrp: 0,
    });
    assert.equal(decisions.get(c.mountId)?.probe, true);
    // a is idle at the same time: only the used ones are probed.
    if (am.mountOf('a')) assert.equal(decisions.get(a.mountId)?.probe, false);
    // Used ones do not expire (the kernel agrees they are busy).
    await sleep(5000);
    assert.ok(am.mountOf('b') && am.mountOf('c'), 'busy automounts expired');
    // The autofs mount above them counts as busy too (a used mount below keeps its parents).
    assert.ok(usage.busy.has(am.autofs()!.mountId));
  } finally {
    kill(children);
    await am.stop();
  }
});

test('a file mapped into memory (fd closed) keeps its automount busy: found through /proc/PID/maps', { skip, timeout: scaled(60_000) }, async () => {
  const am = await startAutomount({ timeout: 3 });
  const children: ChildProcess[] = [];
  try {
    const b = await am.trigger('b');
    const file = join(am.mnt, 'b', 'f');
    // mmap(2) through ctypes, then close(2): Python's mmap module would keep a dup()ed fd open.
    const py = [
      'import ctypes, os, time',
      'libc = ctypes.CDLL(None, use_errno=True)',
      'libc.mmap.restype = ctypes.c_void_p',
      'libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]',
      `fd = os.open(${JSON.stringify(file)}, os.O_RDONLY)`,
      'p = libc.mmap(None, 6, 1, 1, fd, 0)  # PROT_READ, MAP_SHARED',
      'assert p not in (None, ctypes.c_void_p(-1).value)',
      'os.close(fd)',
      "print('ok', flush=True)",
      'time.sleep(60)',
    ].join('\n');
    // A child (never this process) maps the file, closes the fd, says "ok" and sleeps: only maps show it.
    const child = spawn('python3', ['-c', py], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(child);
    await new Promise<void>((resolve, reject) => {
      child.stdout!.once('data', () => resolve());
      child.once('exit', (code) => reject(new Error(`python3 exited with ${code} before mapping the file`)));
    });
    const usage = await scanUsage({ entries: am.entries(), of: automountedIds(am.entries()) });
    assert.ok(usage.busy.has(b.mountId), 'the mmapped file was not found');
    assert.match(usage.users.get(b.mountId) ?? '', /^pid \d+ mmap$/);
    assert.equal(usage.mapped >= 1, true);
  } finally {
    kill(children);
    await am.stop();
  }
});

test('trigger points and unmounted keys are never touched: sweeps cause no mount', { skip, timeout: scaled(60_000) }, async () => {
  const am = await startAutomount({ timeout: 3 });
  try {
    const before = am.entries().map((e) => e.mountId).sort();
    for (let i = 0; i < 5; i++) {
      const decisions = await sweep(am);
      const trigger = decisions.get(am.autofs()!.mountId);
      assert.equal(trigger?.role, 'trigger');
      assert.equal(trigger?.probe, false);
      await sleep(200);
    }
    assert.deepEqual(am.children(), [], `a sweep mounted something: ${JSON.stringify(am.children())}`);
    assert.deepEqual(am.entries().map((e) => e.mountId).sort(), before);
    // And the check itself can fail: a child's ls does mount a key.
    await am.trigger('a');
    assert.equal(am.children().length, 1);
  } finally {
    await am.stop();
  }
});

test('a killed automount daemon is reported dead (pgrp has no live process)', { skip, timeout: scaled(60_000) }, async () => {
  const am = await startAutomount({ timeout: 3 });
  try {
    const autofsId = am.autofs()!.mountId;
    let s = daemonStatuses(am.entries(), livePgrps()).find((x) => x.autofsMountId === autofsId);
    assert.equal(s?.alive, true);
    assert.equal(s?.pgrp, am.pid);
    process.kill(am.pid, 'SIGKILL');
    await waitFor('the daemon to die', () => !am.alive());
    s = daemonStatuses(am.entries(), livePgrps()).find((x) => x.autofsMountId === autofsId);
    assert.equal(s?.alive, false);
    assert.equal(s?.catatonic, false);
    assert.equal(s?.message, `automount daemon (pgrp ${am.pid}) is gone: new accesses under ${am.mnt} will hang or fail`);
    const d = (await sweep(am)).get(autofsId);
    assert.equal(d?.daemonAlive, false);
    assert.equal(d?.probe, false);
    // One access (from a child) makes the kernel notice the broken pipe and go catatonic (autofs.rst).
    await run('ls', [join(am.mnt, 'a')], { timeout: 10_000 }).catch(() => undefined);
    s = daemonStatuses(am.entries(), livePgrps()).find((x) => x.autofsMountId === autofsId);
    assert.equal(s?.catatonic, true);
    assert.match(s?.message ?? '', /went catatonic: new accesses under .* fail \(ENOENT\)/);
  } finally {
    await am.stop();
  }
});

test('under strictexpire an idle automount is probed, and even a stat() every second lets it expire', { skip, timeout: scaled(60_000) }, async () => {
  const am = await startAutomount({ timeout: 3, strictexpire: true });
  try {
    assert.ok(am.autofs()!.superOptions.includes('strictexpire'), `automount did not pass strictexpire: ${am.autofs()!.superOptions.join(',')}`);
    const a = await am.trigger('a');
    const d = (await sweep(am)).get(a.mountId);
    assert.equal(d?.probe, true);
    assert.equal(d?.busy, false);
    assert.equal(d?.strictexpire, true);
    const t0 = Date.now();
    // What a probe does to the path (stat through the key) every second: with strictexpire it is harmless.
    while (am.mountOf('a') && Date.now() - t0 < 25_000) {
      await run('stat', [join(am.mnt, 'a')]).catch(() => undefined);
      await sleep(1000);
    }
    assert.equal(am.mountOf('a'), undefined, 'strictexpire: the automount should expire although stat()ed every second');
  } finally {
    await am.stop();
  }
});
