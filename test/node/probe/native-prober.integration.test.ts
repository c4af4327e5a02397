// The C fork server prober against real mounts (private mount namespace), plus what only it has:
// surviving the death of its fork server.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { NativeProber } from '../../../src/node/probe/native-prober.js';
import { nativeProberAvailable } from '../../../src/node/probe/create-prober.js';
import { privateMountNamespace, skipOrFail } from '../../support/namespace.js';
import { freeze, scratch, startBindfs, tmpfsAt } from './mount-fixtures.js';
import { isAlive, ok, proberSuite, withBound } from './prober-suite.js';

const ns = privateMountNamespace(import.meta.url);
if (!nativeProberAvailable()) throw new Error('dist/native/msm-prober is not built: run `make native` (npm run build)');

proberSuite('native', ns, { manyMounts: 1000 });
// What kernels without openat2(2) (before 5.6) get: the same answers through the component walk.
proberSuite('native', ns, { manyMounts: 100, label: 'native (component walk)', prober: { native: { componentWalk: true } } });

describe('native prober: fork server death', { skip: skipOrFail(ns.canMount ? undefined : ns.reason) }, () => {
  let box: ReturnType<typeof scratch>;
  const cleanups: (() => void)[] = [];
  before(() => (box = scratch()));
  after(() => {
    for (const c of cleanups.reverse()) c();
    box.dispose();
  });

  test('if the fork server is killed, its probes fail as data (stage fork) and the next probe restarts it', async () => {
    const fs = await startBindfs(join(box.dir, 'src'), join(box.dir, 'frozen'));
    cleanups.push(fs.dispose);
    await freeze(fs.daemon.pid!);
    const healthy = tmpfsAt(join(box.dir, 'healthy'));
    const prober = new NativeProber();
    try {
      const run = prober.probe({ path: join(box.dir, 'frozen'), timeoutMs: 60_000, asOwner: true });
      ok(await prober.probe({ path: healthy, timeoutMs: 10_000, asOwner: true }).result);
      const first = prober.serverPid;
      assert.ok(first);
      process.kill(first, 'SIGKILL');
      const r = await withBound(run.result, 10_000, 'probe of a dead server did not settle');
      assert.equal(r.state, 'error', JSON.stringify(r));
      assert.equal(r.state === 'error' && r.stage, 'fork');
      assert.equal(r.state === 'error' && r.errno, 'EPIPE');
      // The orphaned child dies with its server (PR_SET_PDEATHSIG) and is reaped by init.
      await withBound(run.exited, 10_000, 'orphaned probe was not gone');
      assert.equal(isAlive(r.pid), false);
      ok(await prober.probe({ path: healthy, timeoutMs: 10_000, asOwner: true }).result);
      assert.notEqual(prober.serverPid, first);
    } finally {
      await prober.close();
    }
  });

  test('a missing binary fails each probe as data (ENOENT, stage fork)', async () => {
    const prober = new NativeProber({ binary: join(box.dir, 'no-such-binary') });
    const r = await prober.probe({ path: box.dir, timeoutMs: 1000, asOwner: true }).result;
    assert.equal(r.state === 'error' && r.errno, 'ENOENT');
    assert.equal(r.state === 'error' && r.stage, 'fork');
    await prober.close();
  });
});
