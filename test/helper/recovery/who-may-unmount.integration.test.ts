// Who may unmount, from the real group database (getent, id) and the kernel's credentials: root always;
// a member of admin-group, by NSS membership (supplementary, not only primary); nobody else. A group
// database that hangs (here /etc/group is a FIFO nobody writes, in this file's private namespace) costs
// a lookup its deadline and a refusal, never the event loop.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { WhoMayUnmount } from '../../../src/helper/recovery/who-may-unmount.js';
import { bindMount, umount } from '../../support/mounts.js';
import { privateMountNamespace, skipOrFail } from '../../support/namespace.js';
import { ensureTestUser, TEST_SUPPLEMENTARY_GROUP } from '../../support/test-user.js';

const ns = privateMountNamespace(import.meta.url);
const skip = skipOrFail(ns.canMount ? undefined : ns.reason);
const dir = mkdtempSync(join(tmpdir(), 'msm-whomay-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('root may; a supplementary member of admin-group may; others and unknown groups are refused with the reason', { skip }, async () => {
  const user = ensureTestUser();
  const none = new WhoMayUnmount({ adminGroup: undefined });
  assert.deepEqual(await none.check({ uid: 0, gid: 0, pid: 1 }), { ok: true, as: 'root' });
  assert.deepEqual(await none.check({ uid: user.uid, gid: user.gid, pid: 1 }), { ok: false, reason: 'only root may unmount (no admin-group is configured)' });

  const admins = new WhoMayUnmount({ adminGroup: TEST_SUPPLEMENTARY_GROUP });
  // The process's gid is its own group: membership comes from the database, not the connection.
  assert.deepEqual(await admins.check({ uid: user.uid, gid: user.gid, pid: 1 }), { ok: true, as: 'admin-group' });
  const nobody = Number(spawnSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).stdout);
  const refused = await admins.check({ uid: nobody, gid: nobody, pid: 1 });
  assert.deepEqual(refused, { ok: false, reason: `uid ${nobody} (nobody) is neither root nor a member of admin-group ${TEST_SUPPLEMENTARY_GROUP}` });
  // Acting as the group (newgrp, sg): the kernel's effective gid on the connection.
  assert.deepEqual(await admins.check({ uid: nobody, gid: user.supplementaryGid, pid: 1 }), { ok: true, as: 'admin-group' });
  assert.deepEqual(await admins.check({ uid: 3_999_999_999, gid: 3_999_999_999, pid: 1 }), {
    ok: false,
    reason: 'uid 3999999999 is not root and not in the user database (or it did not answer)',
  });
  const missing = new WhoMayUnmount({ adminGroup: 'msm-no-such-group' });
  assert.deepEqual(await missing.check({ uid: user.uid, gid: user.gid, pid: 1 }), { ok: false, reason: 'admin-group msm-no-such-group is not in the group database (or it did not answer)' });
});

test('a hung group database: refused at the deadline, and the event loop never waits', { skip }, async () => {
  const user = ensureTestUser();
  const fifo = join(dir, 'group');
  execFileSync('mkfifo', [fifo]);
  bindMount(fifo, '/etc/group');
  try {
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const who = new WhoMayUnmount({ adminGroup: TEST_SUPPLEMENTARY_GROUP, timeoutMs: 1000 });
    const started = Date.now();
    const [a, b] = await Promise.all([who.check({ uid: user.uid, gid: user.gid, pid: 1 }), who.check({ uid: user.uid, gid: user.gid, pid: 2 })]);
    const took = Date.now() - started;
    delay.disable();
    assert.equal(a.ok, false);
    assert.deepEqual(a, b);
    assert.match(a.ok ? '' : a.reason, /is not in the group database \(or it did not answer\)/);
    const p99 = delay.percentile(99) / 1e6;
    console.log(`# hung group database: refused after ${took} ms, event-loop delay p99 ${p99.toFixed(1)} ms`);
    assert.ok(took >= 900 && took < 5000, `gave up after ${took} ms`);
    assert.ok(p99 < 200, `event loop delayed ${p99} ms`);
    // Root never waits on the database.
    const t0 = Date.now();
    assert.deepEqual(await who.check({ uid: 0, gid: 0, pid: 1 }), { ok: true, as: 'root' });
    assert.ok(Date.now() - t0 < 100);
  } finally {
    umount('/etc/group', { lazy: true });
  }
});
