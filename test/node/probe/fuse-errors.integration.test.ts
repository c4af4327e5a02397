// The real probers against a FUSE mount that fails on demand (test/support/fuse-fixture.ts): each errno a
// sick filesystem gives comes back as data, with the stage that met it, and the same mount recovers.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createProber, nativeProberAvailable } from '../../../src/node/probe/create-prober.js';
import { ENGINES } from './engines.js';
import type { Prober, ProbeResult } from '../../../src/node/probe/prober.js';
import { fuseFixtureUnavailable, startFuseFixture, type FuseFixtureOptions } from '../../support/fuse-fixture.js';
import { makeTempRoot, type TempRoot } from '../../support/mounts.js';
import { privateMountNamespace, skipOrFail } from '../../support/namespace.js';
import { ensureTestUser } from '../../support/test-user.js';

const ns = privateMountNamespace(import.meta.url);
const skip = skipOrFail(ns.canMount ? fuseFixtureUnavailable() : ns.reason);

/** Timeout for probes that must answer: generous, only "did not hang" matters (2-core VM). */
const TIMEOUT_MS = 10_000;

function expectError(r: ProbeResult, errno: string): void {
  assert.equal(r.state, 'error', JSON.stringify(r));
  assert.equal(r.state === 'error' && r.errno, errno, JSON.stringify(r));
  // The probe's first call is stat() as root; the fixture fails every operation, so that is where.
  assert.equal(r.state === 'error' && r.stage, 'stat', JSON.stringify(r));
  assert.ok(r.latencyMs >= 0 && r.pid > 0);
}

function expectOk(r: ProbeResult): Extract<ProbeResult, { state: 'ok' }> {
  assert.equal(r.state, 'ok', JSON.stringify(r));
  return r as Extract<ProbeResult, { state: 'ok' }>;
}

for (const { label, slug, options } of ENGINES) {
  const notBuilt = options.kind === 'native' && !nativeProberAvailable() ? 'dist/native/msm-prober is not built: run `make native`' : undefined;

  describe(`${label} prober on a failing FUSE mount`, { skip: skip || skipOrFail(notBuilt) }, () => {
    let root: TempRoot;
    let prober: Prober;
    let n = 0;
    const probe = (path: string, timeoutMs = TIMEOUT_MS) => prober.probe({ path, timeoutMs, asOwner: true });
    const fixture = async (t: { after(fn: () => Promise<void>): void }, opts: FuseFixtureOptions) => {
      const fx = await startFuseFixture(root.join(`fuse-${++n}`), opts);
      t.after(() => fx.stop());
      return fx;
    };

    before(() => {
      root = makeTempRoot(`msm-fuse-errors-${slug}-`);
      prober = createProber(options);
    });
    after(async () => {
      await prober.close();
      root.cleanup();
    });

    test('a healthy fixture is listed: two entries, the root mode and owner it was given, statfs', async (t) => {
      const user = ensureTestUser();
      const fx = await fixture(t, { mode: 'ok', uid: user.uid, gid: user.gid, rootMode: 0o700 });
      // asOwner: the child drops to the test user; allow_other lets that uid in at all.
      const r = expectOk(await probe(fx.mountpoint).result);
      assert.equal(r.entries, 2);
      assert.equal(r.mode, 0o700);
      assert.equal(r.uid, user.uid);
      assert.equal(r.gid, user.gid);
      assert.equal(r.capacity.totalBytes, 1024 * 4096);
      assert.equal(r.capacity.availBytes, 768 * 4096);
    });

    test('eio: an error EIO at stat, and the same mount is ok again once the fault clears', async (t) => {
      const fx = await fixture(t, { mode: 'eio' });
      expectError(await probe(fx.mountpoint).result, 'EIO');
      fx.setMode('ok');
      assert.equal(expectOk(await probe(fx.mountpoint).result).entries, 2);
    });

    test('estale: an error ESTALE at stat', async (t) => {
      const fx = await fixture(t, { mode: 'estale' });
      expectError(await probe(fx.mountpoint).result, 'ESTALE');
    });

    test('slow:300 within the timeout: ok, with the wait in its latency', async (t) => {
      const fx = await fixture(t, { mode: 'slow:300' });
      const r = expectOk(await probe(fx.mountpoint, 5000).result);
      // Every request sleeps 300 ms, and a probe makes about five (stat, opendir, readdir, statfs): ~1.5 s,
      // so the timeout is 5 s rather than 2 s, which left too little slack for a Node child on a busy VM.
      assert.ok(r.latencyMs >= 300, `latency ${r.latencyMs} ms`);
      assert.equal(r.entries, 2);
    });

    test('a killed daemon: an error ENOTCONN at stat', async (t) => {
      const fx = await fixture(t, { mode: 'ok' });
      expectOk(await probe(fx.mountpoint).result);
      await fx.kill();
      expectError(await probe(fx.mountpoint).result, 'ENOTCONN');
    });
  });
}
