// Home lookups never stall the helper: with the user database hanging (here /etc/passwd is a FIFO that
// nobody writes, in this test's private mount namespace — what a dead LDAP server does to getpwuid),
// a lookup gives up at its deadline while the event loop keeps turning.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { UserDb } from '../../../src/helper/homes/user-db.js';
import { bindMount, umount } from '../../support/mounts.js';
import { privateMountNamespace, skipOrFail } from '../../support/namespace.js';

const ns = privateMountNamespace(import.meta.url);
const skip = skipOrFail(ns.canMount ? undefined : ns.reason);
const dir = mkdtempSync(join(tmpdir(), 'msm-userdb-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('a real lookup finds root by uid and by name; unknown users and option-like keys are misses', { skip }, async () => {
  const db = new UserDb();
  assert.deepEqual(await db.lookup(0), { name: 'root', uid: 0, home: '/root' });
  assert.deepEqual(await db.lookup('root'), { name: 'root', uid: 0, home: '/root' });
  assert.equal(await db.lookup(4_000_000_000), undefined, 'no such user');
  assert.equal(await db.lookup('--help'), undefined, 'a key is never an option: no user is named --help here');
});

test('a user name that starts with "-" (as utmp or a directory server may hold one) is passed after "--", never as an option', async () => {
  // glibc's files backend takes a passwd line starting with "-" for a NIS exclusion, so no such user can be
  // made here: a stand-in for getent answers only when the key comes right after "--", as getent(1) needs.
  const script = 'if [ "$1" = passwd ] && [ "$2" = -- ] && [ $# -eq 3 ]; then echo "$3:x:4242:4242::/home/dash:/bin/sh"; else exit 1; fi';
  const db = new UserDb({ command: ['sh', '-c', script, 'getent', 'passwd'] });
  assert.deepEqual(await db.lookup('-s'), { name: '-s', uid: 4242, home: '/home/dash' });
  assert.deepEqual(await db.lookup('--help'), { name: '--help', uid: 4242, home: '/home/dash' });
  assert.equal(await db.lookup('a:b'), undefined, 'what cannot be a passwd name is not asked for');
});

test('a hung user database: the lookup gives up at its deadline, the event loop never waits', { skip }, async () => {
  const fifo = join(dir, 'passwd');
  execFileSync('mkfifo', [fifo]);
  bindMount(fifo, '/etc/passwd');
  try {
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const db = new UserDb({ timeoutMs: 1000 });
    const started = Date.now();
    const [a, b] = await Promise.all([db.lookup(1234), db.lookup(1234)]);
    const took = Date.now() - started;
    delay.disable();
    assert.equal(a, undefined);
    assert.equal(b, undefined);
    assert.ok(took >= 900 && took < 5000, `gave up after ${took} ms`);
    const p99 = delay.percentile(99) / 1e6;
    console.log(`# hung NSS lookup: gave up after ${took} ms, event-loop delay p99 ${p99.toFixed(1)} ms`);
    assert.ok(p99 < 200, `event loop delayed ${p99} ms`);
    // The miss is remembered for a while: no child per request during an outage.
    const again = Date.now();
    assert.equal(await db.lookup(1234), undefined);
    assert.ok(Date.now() - again < 100, 'cached');
  } finally {
    umount('/etc/passwd', { lazy: true });
  }
});
