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
  assert.equal(await db.lookup('--help'), undefined, 'a key is never an option');
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
