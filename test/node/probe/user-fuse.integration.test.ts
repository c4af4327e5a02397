// A user's own FUSE mount (fusermount3, user_id=<uid>, no allow_other). The kernel lets
// no one but that user in (fs/fuse/dir.c fuse_allow_current_process(): uid, euid, suid, gid, egid and sgid
// must all be the mount's), root included: a probe that stat()ed it as root got EACCES at once, so a
// user's hung sshfs read `denied` forever, never `hung`. Probes of such a mount now become that user
// before touching it. And a user names their mount as they like (fsname=, subtype=): a mount made by a
// user is never counted as a server's.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import type { MountEntry } from '../../../src/common/mount.js';
import { serverOfStatus } from '../../../src/common/status-view/server-of-status.js';
import { createMonitor } from '../../../src/node/create-monitor.js';
import { DEFAULT_SETTINGS } from '../../../src/node/config/settings.js';
import { silentMonitorLog, type MonitorLog } from '../../../src/node/monitor/monitor-log.js';
import { readMountTable } from '../../../src/node/mount-table/read-mount-table.js';
import { createProber } from '../../../src/node/probe/create-prober.js';
import { probeTarget } from '../../../src/node/probe/probe-target.js';
import type { Prober } from '../../../src/node/probe/prober.js';
import { fuseFixtureUnavailable, openDevFuse, startFuseFixture, type FuseFixture } from '../../support/fuse-fixture.js';
import { makeTempRoot, type TempRoot } from '../../support/mounts.js';
import { privateMountNamespace, skipOrFail } from '../../support/namespace.js';
import { ensureTestUser, type TestUser } from '../../support/test-user.js';
import { ENGINES } from './engines.js';

const ns = privateMountNamespace(import.meta.url);
const noFusermount = spawnSync('fusermount3', ['-V']).status === 0 ? undefined : 'fusermount3 is missing (apt-get install fuse3)';
const skip = skipOrFail(ns.canMount ? (fuseFixtureUnavailable() ?? noFusermount) : ns.reason);

const TIMEOUT_MS = 1500;
const MARGIN_MS = 5000;

async function entryOf(fx: FuseFixture): Promise<MountEntry> {
  const e = (await readMountTable()).entries.find((m) => m.mountId === fx.mountId);
  assert.ok(e, `mount ${fx.mountId} is not in the table`);
  return e;
}

async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}


describe("a user's own FUSE mount", { skip }, () => {
  let root: TempRoot;
  let user: TestUser;
  let n = 0;
  const mount = async (t: { after(fn: () => Promise<void>): void }) => {
    const fx = await startFuseFixture(root.join(`user-fuse-${++n}`), {
      user,
      allowOther: false,
      subtype: 'sshfs',
      fsname: `${user.name}@someserver:/home`,
      uid: user.uid,
      gid: user.gid,
    });
    t.after(() => fx.stop());
    return fx;
  };

  before(() => {
    root = makeTempRoot('msm-user-fuse-');
    openDevFuse(root.path);
    user = ensureTestUser();
  });
  after(() => root.cleanup());

  test('the table says whose it is: user_id, and no server attributed', async (t) => {
    const fx = await mount(t);
    const e = await entryOf(fx);
    assert.ok(e.superOptions.includes(`user_id=${user.uid}`), e.superOptions.join(','));
    assert.ok(!e.superOptions.includes('allow_other'), e.superOptions.join(','));
    assert.deepEqual(probeTarget(e).asUser, { uid: user.uid, gid: user.gid });
  });

  for (const { label, options } of ENGINES) {
    describe(`${label} prober`, () => {
      let prober: Prober;
      before(() => (prober = createProber(options)));
      after(() => prober.close());

      test('probed as its user: listed when healthy, hung (not denied) when its daemon is frozen', async (t) => {
        const fx = await mount(t);
        const target = probeTarget(await entryOf(fx));
        const probe = (timeoutMs: number) => prober.probe({ path: fx.mountpoint, timeoutMs, asOwner: true, ...target });
        const healthy = await within(probe(10_000).result, 10_000 + MARGIN_MS, 'no answer from a healthy user mount');
        assert.equal(healthy.state, 'ok', JSON.stringify(healthy));
        assert.equal(healthy.state === 'ok' && healthy.entries, 2);
        await fx.freeze();
        const run = probe(TIMEOUT_MS);
        const frozen = await within(run.result, TIMEOUT_MS + MARGIN_MS, 'no answer from a frozen user mount');
        assert.equal(frozen.state, 'hung', JSON.stringify(frozen));
        await within(run.exited, MARGIN_MS, 'the killed probe was not reaped');
        fx.thaw();
      });
    });
  }

  test('a sweep reports the frozen user mount hung, and counts it as no server\'s', { timeout: 60_000 }, async (t) => {
    const fx = await mount(t);
    const serverLines: string[] = [];
    const log: MonitorLog = {
      ...silentMonitorLog,
      serverDown: (server, dead) => void serverLines.push(`down ${server} ${dead}`),
      serverUp: (server) => void serverLines.push(`up ${server}`),
    };
    const monitor = createMonitor({ ...DEFAULT_SETTINGS, timeoutSeconds: TIMEOUT_MS / 1000, include: [fx.mountpoint] }, 'system', log);
    try {
      await fx.freeze();
      const report = await monitor.sweep();
      const status = report.mounts.find((m) => m.mountpoint === fx.mountpoint);
      assert.equal(status?.state, 'hung', JSON.stringify(status));
      assert.equal(status?.server, undefined, 'a user mount claiming someserver is attributed to it');
      // The window, tray and notifications do not read the server back out of its source either.
      assert.equal(status?.mountedBy, user.uid);
      assert.equal(serverOfStatus(status!), undefined);
      assert.deepEqual(serverLines, []);
    } finally {
      fx.thaw();
      await monitor.stop();
    }
  });
});
