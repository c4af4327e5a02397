// A group source that hangs (LDAP, sssd) must not stall the loop that
// enforces every probe's deadline. The prober never asks NSS itself: a resolver child does, and the
// probe children use what it found (cached, refreshed). Made real here by a /etc/group that is a FIFO
// nobody writes (glibc's files backend blocks in open), in this test's private mount namespace.
import assert from 'node:assert/strict';
import { closeSync, openSync, writeFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { constants } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { readMountTable } from '../../../src/node/mount-table/read-mount-table.js';
import { NativeProber } from '../../../src/node/probe/native-prober.js';
import { probeTarget } from '../../../src/node/probe/probe-target.js';
import type { ProbeRequest } from '../../../src/node/probe/prober.js';
import { fuseFixtureUnavailable, startFuseFixture } from '../../support/fuse-fixture.js';
import { makeTempRoot, mountTmpfs, umount, type TempRoot } from '../../support/mounts.js';
import { privateMountNamespace, skipOrFail } from '../../support/namespace.js';
import { ensureTestUser, type TestUser } from '../../support/test-user.js';
import { withBound } from './prober-suite.js';
import { setTimeout as sleep } from 'node:timers/promises';

const ns = privateMountNamespace(import.meta.url);
const skip = skipOrFail(ns.canMount ? fuseFixtureUnavailable() : ns.reason);

describe('a group database that hangs', { skip }, () => {
  let root: TempRoot;
  let user: TestUser;
  let fifo: string;
  let hung = false;
  const request = async (path: string, timeoutMs: number): Promise<ProbeRequest> => {
    const entry = (await readMountTable()).entries.filter((e) => e.mountpoint === path).at(-1)!;
    return { path, timeoutMs, asOwner: true, ...probeTarget(entry) };
  };
  /** From now on every group lookup in this namespace blocks (nsswitch: files only; /etc/group a FIFO). */
  const hangGroups = () => {
    const conf = root.join('nsswitch.conf');
    writeFileSync(conf, 'passwd: files\ngroup: files\nshadow: files\n');
    fifo = root.join('group.fifo');
    const r = spawnSync('sh', ['-c', 'mkfifo "$1" && mount --bind "$2" /etc/nsswitch.conf && mount --bind "$1" /etc/group', '-', fifo, conf], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    hung = true;
  };

  before(() => {
    root = makeTempRoot('msm-nss-hang-');
    user = ensureTestUser(); // its own lookups first, while NSS answers
  });
  after(() => {
    if (hung) {
      umount('/etc/group', { lazy: true });
      umount('/etc/nsswitch.conf', { lazy: true });
      // Readers still blocked in open(2) on the FIFO get EOF from a writer that opens and closes it.
      for (let i = 0; i < 50; i++) {
        try {
          closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
        } catch {
          break; // ENXIO: no reader left
        }
      }
    }
    root.cleanup();
  });

  test('deadlines still hold, root-owned mounts still answer, and owners resolved before still probe as themselves', { timeout: 60_000 }, async (t) => {
    const mine = mountTmpfs(root.join('mine'), { mode: 0o700, uid: user.uid, gid: user.gid });
    const roots = mountTmpfs(root.join('roots'));
    const fx = await startFuseFixture(root.join('frozen'));
    t.after(() => fx.stop());
    const warm = new NativeProber();
    const fresh = new NativeProber();
    try {
      const r0 = await withBound(warm.probe(await request(mine, 10_000)).result, 15_000, 'no answer while NSS still works');
      assert.equal(r0.state, 'ok', JSON.stringify(r0));
      await sleep(500); // let the resolver child look the owner up
      hangGroups();
      await fx.freeze();

      // A server started now must not hang at start-up either.
      for (const prober of [warm, fresh]) {
        const frozen = prober.probe(await request(fx.mountpoint, 1500));
        const r = await withBound(prober.probe(await request(roots, 10_000)).result, 10_000, 'a root-owned mount did not answer');
        assert.equal(r.state, 'ok', JSON.stringify(r));
        const h = await withBound(frozen.result, 1500 + 3000, 'the frozen mount was not answered hung near its deadline');
        assert.equal(h.state, 'hung', JSON.stringify(h));
      }
      // The owner's groups came from the cache, not from the hung database.
      const r1 = await withBound(warm.probe(await request(mine, 5000)).result, 10_000, 'no answer for the owned mount');
      assert.equal(r1.state, 'ok', JSON.stringify(r1));
    } finally {
      fx.thaw();
      await Promise.all([warm.close(), fresh.close()]);
    }
  });
});
