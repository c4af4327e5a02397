// The prober's workers, long-lived children probing mounts one after another as each
// mountpoint's owner (filesystem identity only). What must hold is the isolation of fork per probe: a
// hung mount keeps its worker to itself (which becomes that mount's probe child: killed at the timeout,
// reaped, kept stuck if it survives SIGKILL) while the rest of the queue goes to other workers; and no
// identity leaks from one probe into the next. Behaviour only: no timings are asserted.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { readMountTable } from '../../../src/node/mount-table/read-mount-table.js';
import { NativeProber } from '../../../src/node/probe/native-prober.js';
import { probeTarget } from '../../../src/node/probe/probe-target.js';
import type { ProbeRequest, ProbeResult } from '../../../src/node/probe/prober.js';
import { fuseFixtureUnavailable, startFuseFixture, threadStates, type FuseFixture } from '../../support/fuse-fixture.js';
import { makeTempRoot, mountTmpfs, type TempRoot } from '../../support/mounts.js';
import { privateMountNamespace, skipOrFail } from '../../support/namespace.js';
import { ensureTestUser } from '../../support/test-user.js';
import { isAlive, withBound } from './prober-suite.js';
import { setTimeout as sleep } from 'node:timers/promises';

const ns = privateMountNamespace(import.meta.url);
const skip = skipOrFail(ns.canMount ? fuseFixtureUnavailable() : ns.reason);

async function requests(paths: string[], timeoutMs: number): Promise<ProbeRequest[]> {
  const table = (await readMountTable()).entries;
  return paths.map((path) => ({ path, timeoutMs, asOwner: true, ...probeTarget(table.filter((e) => e.mountpoint === path).at(-1)!) }));
}

describe('probe workers', { skip }, () => {
  let root: TempRoot;
  let prober: NativeProber;
  const healthy: string[] = [];
  before(() => {
    root = makeTempRoot('msm-workers-');
    for (let i = 0; i < 60; i++) healthy.push(mountTmpfs(root.join(`ok${i}`)));
    prober = new NativeProber();
  });
  after(async () => {
    await prober.close();
    root.cleanup();
  });

  test('hung mounts keep their workers, which become their probe children; every healthy mount behind them is answered first', { timeout: 60_000 }, async (t) => {
    const frozen: FuseFixture[] = [];
    for (let i = 0; i < 3; i++) {
      const fx = await startFuseFixture(root.join(`frozen${i}`));
      t.after(() => fx.stop());
      await fx.freeze();
      frozen.push(fx);
    }
    // Warm the pool: these pids are workers, each having answered several probes.
    const warm = await Promise.all((await requests(healthy.slice(0, 20), 10_000)).map((r) => prober.probe(r).result));
    const workerPids = new Set(warm.map((r) => r.pid));
    assert.ok(workerPids.size < 20, `20 probes took ${workerPids.size} processes`);

    // The frozen mounts first in the queue, so the warm workers take them; the healthy ones queue behind.
    const order: string[] = [];
    const runs = [...(await requests(frozen.map((f) => f.mountpoint), 4000)), ...(await requests(healthy, 10_000))].map((r) => {
      const run = prober.probe(r);
      void run.result.then((res) => order.push(`${res.state} ${r.path}`));
      return run;
    });
    const results = await Promise.all(runs.map((r) => r.result));
    const hung = results.slice(0, 3);
    for (const r of hung) assert.equal(r.state, 'hung', JSON.stringify(r));
    results.slice(3).forEach((r, i) => assert.equal(r.state, 'ok', `${healthy[i]}: ${JSON.stringify(r)}`));
    const firstHung = order.findIndex((o) => o.startsWith('hung'));
    assert.equal(firstHung, healthy.length, `a healthy mount waited for a hung one: ${order.slice(0, firstHung + 3).join(', ')}`);
    // "Timed out waiting for child process N" names the worker that took the mount.
    assert.ok(hung.some((r) => workerPids.has(r.pid)), `hung pids ${hung.map((r) => r.pid)} are none of the workers ${[...workerPids]}`);
    assert.equal(new Set(hung.map((r) => r.pid)).size, 3, 'one process per hung mount');
    // Frozen (requests queued in the kernel): SIGKILL ends them, and they are reaped.
    await withBound(Promise.all(runs.slice(0, 3).map((r) => r.exited)), 10_000, 'the killed workers were not reaped');
    for (const r of hung) assert.equal(isAlive(r.pid), false);
    for (const fx of frozen) fx.thaw();
  });

  test('a worker stuck in the kernel after SIGKILL stays that mount\'s stuck probe; the pool goes on without it', { timeout: 60_000 }, async (t) => {
    const fx = await startFuseFixture(root.join('held'), { mode: 'hang' });
    t.after(() => fx.stop());
    const [held] = await requests([fx.mountpoint], 1500);
    const run = prober.probe(held!);
    let exited = false;
    void run.exited.then(() => (exited = true));
    const r = await withBound(run.result, 10_000, 'no answer for the held mount');
    assert.equal(r.state, 'hung', JSON.stringify(r));
    // Killed at the deadline, it runs a moment to take the signal (state R) before it waits in the kernel
    // again for the request the daemon holds: D within a second, not at once.
    for (let i = 0; i < 50 && !threadStates(r.pid).includes('D'); i++) await sleep(20);
    assert.ok(threadStates(r.pid).includes('D'), `worker ${r.pid}: ${threadStates(r.pid).join('')}`);
    const after = await Promise.all((await requests(healthy, 10_000)).map((q) => prober.probe(q).result));
    for (const a of after) assert.equal(a.state, 'ok', JSON.stringify(a));
    assert.ok(!after.some((a) => a.pid === r.pid), 'a probe was given to the stuck worker');
    assert.equal(exited, false, 'the stuck worker was reported gone while still in the kernel');
    assert.equal(fx.held(), 1);
    fx.setMode('ok');
    await withBound(run.exited, 10_000, 'the released worker was not reaped');
    assert.equal(isAlive(r.pid), false);
  });

  test('no identity outlives its probe: owner and root probes interleaved in the same workers', { timeout: 60_000 }, async () => {
    const user = ensureTestUser();
    const parent = root.join('root-only');
    mkdirSync(parent);
    chmodSync(parent, 0o700);
    const theirs = mountTmpfs(`${parent}/theirs`, { mode: 0o700, uid: user.uid, gid: user.gid });
    const roots = mountTmpfs(`${parent}/roots`, { mode: 0o700 });
    writeFileSync(`${roots}/secret`, 'x');
    const [t1, r1] = await requests([theirs, roots], 10_000);
    const results: [string, ProbeResult][] = [];
    for (let round = 0; round < 50; round++) {
      const batch = [t1!, r1!, r1!, t1!];
      const rs = await Promise.all(batch.map((q) => prober.probe(q).result));
      rs.forEach((res, k) => results.push([batch[k]!.path, res]));
    }
    for (const [path, res] of results) {
      if (path === theirs) {
        // As the owner, the root-only parent cannot be searched: every time, in whichever worker.
        assert.deepEqual(res.state === 'error' && [res.errno, res.stage], ['EACCES', 'opendir'], JSON.stringify(res));
      } else {
        assert.equal(res.state, 'ok', `root's mount after an owner's probe: ${JSON.stringify(res)}`);
        assert.equal(res.state === 'ok' && res.entries, 1);
      }
    }
    assert.ok(new Set(results.map(([, res]) => res.pid)).size < results.length / 4, 'the probes shared workers');
  });

  test('a worker killed from outside is replaced; probes go on', async () => {
    const before = await Promise.all((await requests(healthy.slice(0, 10), 10_000)).map((q) => prober.probe(q).result));
    for (const pid of new Set(before.map((r) => r.pid))) process.kill(pid, 'SIGKILL');
    await sleep(200);
    const again = await Promise.all((await requests(healthy, 10_000)).map((q) => prober.probe(q).result));
    for (const r of again) assert.equal(r.state, 'ok', JSON.stringify(r));
    assert.ok(!again.some((r) => before.some((b) => b.pid === r.pid)), 'a probe went to a killed worker');
  });
});
