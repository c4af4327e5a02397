// The C prober against real mounts (private mount namespace), plus what only it has: a
// missing binary. Its server's death is server-lost.integration.test.ts.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { NativeProber } from '../../../src/node/probe/native-prober.js';
import { nativeProberAvailable } from '../../../src/node/probe/create-prober.js';
import { privateMountNamespace, skipOrFail } from '../../support/namespace.js';
import { spawnSync } from 'node:child_process';
import { scratch, tmpfsAt } from './mount-fixtures.js';
import { proberSuite } from './prober-suite.js';
import { setTimeout as sleep } from 'node:timers/promises';

const ns = privateMountNamespace(import.meta.url);
if (!nativeProberAvailable()) throw new Error('dist/native/msm-prober is not built: run `make native` (npm run build)');

proberSuite('native', ns, { manyMounts: 1000, engine: 'workers' });
// What macOS and the BSDs get (no setfsuid): a child per probe.
proberSuite('native', ns, { manyMounts: 1000, engine: 'fork', label: 'native (fork per probe)', prober: { native: { forkPerProbe: true } } });
// What kernels without openat2(2) (before 5.6) get: the same answers through the component walk.
proberSuite('native', ns, { manyMounts: 100, engine: 'workers', label: 'native (component walk)', prober: { native: { componentWalk: true } } });

describe('native prober: table notices, no prober', { skip: skipOrFail(ns.canMount ? undefined : ns.reason) }, () => {
  let box: ReturnType<typeof scratch>;
  before(() => (box = scratch()));
  after(() => box.dispose());

  test('the server tells of every mount and unmount in its namespace, and of its own start', async () => {
    const prober = new NativeProber();
    let changes = 0;
    prober.onTableChange(() => changes++);
    try {
      await prober.probe({ path: box.dir, timeoutMs: 5000, asOwner: true }).result;
      const waitChanges = async (n: number) => {
        const end = Date.now() + 5000;
        while (changes < n) {
          assert.ok(Date.now() < end, `${changes} change notices, expected ${n}`);
          await sleep(10);
        }
      };
      await waitChanges(1); // its start: what changed before it went unseen
      const quiet = changes;
      await sleep(300);
      assert.equal(changes, quiet, 'nothing changed, nothing said');
      tmpfsAt(join(box.dir, 'appeared'));
      await waitChanges(quiet + 1);
      spawnSync('umount', [join(box.dir, 'appeared')]);
      await waitChanges(quiet + 2);
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
