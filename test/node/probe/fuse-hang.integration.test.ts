// The real probers against a FUSE mount that does not answer (test/support/fuse-fixture.ts), in its two
// kernel-distinct ways:
// - hang: the daemon has READ the request and sits on it. The kernel then waits for the answer even
//   after SIGKILL (fs/fuse/dev.c request_wait_answer(): "Either request is already in userspace, or it
//   was forced. Wait it out."), so the killed probe stays in D state until the daemon answers.
// - frozen (SIGSTOP): the request is still queued in the kernel; SIGKILL dequeues it and the probe exits.
// Either way the result is 'hung' at the timeout; only `exited` tells them apart.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createProber, nativeProberAvailable } from '../../../src/node/probe/create-prober.js';
import { ENGINES } from './engines.js';
import type { Prober } from '../../../src/node/probe/prober.js';
import { fuseFixtureUnavailable, sigkillPending, startFuseFixture, threadStates, type FuseFixtureOptions } from '../../support/fuse-fixture.js';
import { makeTempRoot, type TempRoot } from '../../support/mounts.js';
import { privateMountNamespace, skipOrFail } from '../../support/namespace.js';

const ns = privateMountNamespace(import.meta.url);
const skip = skipOrFail(ns.canMount ? fuseFixtureUnavailable() : ns.reason);

/** The probe timeout under test, and a generous "did not hang" bound on top of it (2-core VM). */
const TIMEOUT_MS = 1500;
const MARGIN_MS = 3000;

/** Resolves with `p`, or rejects with `what` after `ms`: the only kind of timed assertion we make. */
async function within<T>(p: Promise<T>, ms: number, what: string | (() => string)): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const say = () => (typeof what === 'string' ? what : what());
  const bound = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${say()} (after ${ms} ms)`)), ms)));
  try {
    return await Promise.race([p, bound]);
  } finally {
    clearTimeout(timer);
  }
}

function tracked(p: Promise<void>): { settled(): boolean } {
  let done = false;
  void p.then(() => (done = true));
  return { settled: () => done };
}

for (const { label, slug, options } of ENGINES) {
  const notBuilt = options.kind === 'native' && !nativeProberAvailable() ? 'dist/native/msm-prober is not built: run `make native`' : undefined;

  describe(`${label} prober on a FUSE mount that does not answer`, { skip: skip || skipOrFail(notBuilt) }, () => {
    let root: TempRoot;
    let prober: Prober;
    let n = 0;
    const probe = (path: string, timeoutMs: number) => prober.probe({ path, timeoutMs, asOwner: true });
    const fixture = async (t: { after(fn: () => Promise<void>): void }, opts: FuseFixtureOptions) => {
      const fx = await startFuseFixture(root.join(`fuse-${++n}`), opts);
      t.after(() => fx.stop());
      return fx;
    };

    before(() => {
      root = makeTempRoot(`msm-fuse-hang-${slug}-`);
      prober = createProber(options);
    });
    after(async () => {
      await prober.close();
      root.cleanup();
    });

    test('hang: hung at the timeout; the killed probe stays in D state until the daemon answers, then is reaped', async (t) => {
      const fx = await fixture(t, { mode: 'hang' });
      const run = probe(fx.mountpoint, TIMEOUT_MS);
      const exited = tracked(run.exited);
      const r = await within(run.result, TIMEOUT_MS + MARGIN_MS, 'no result from a probe of a held mount');
      assert.equal(r.state, 'hung', JSON.stringify(r));
      assert.ok(r.latencyMs >= TIMEOUT_MS, `hung after ${r.latencyMs} ms, before the ${TIMEOUT_MS} ms timeout`);
      assert.ok(fx.held() >= 1, `the probe's request never reached the daemon: ${fx.stderr()}`);

      // The SIGKILL has been sent and is pending; the probe cannot act on it: a thread in D, not reaped.
      await sleep(200);
      assert.equal(exited.settled(), false, 'exited settled while the daemon still holds the request');
      assert.ok(threadStates(r.pid).includes('D'), `probe ${r.pid} threads: ${threadStates(r.pid).join('')}`);
      assert.ok(sigkillPending(r.pid), `probe ${r.pid} has no SIGKILL pending`);

      fx.setMode('ok'); // the daemon answers, the kernel returns, the pending SIGKILL ends the probe
      await within(run.exited, MARGIN_MS, 'the probe was not reaped after the daemon answered');
      assert.deepEqual(threadStates(r.pid), [], `probe ${r.pid} still exists`);
      assert.equal(fx.held(), 0);
      // The same mount answers a new probe.
      const again = await within(probe(fx.mountpoint, 10_000).result, 10_000 + MARGIN_MS, 'no result after recovery');
      assert.equal(again.state, 'ok', JSON.stringify(again));
    });

    test('a held probe does not delay a probe of another mount', async (t) => {
      const held = await fixture(t, { mode: 'hang' });
      const healthy = await fixture(t, { mode: 'ok' });
      const stuck = probe(held.mountpoint, 60_000);
      await held.waitHeld(1);
      const r = await within(probe(healthy.mountpoint, 10_000).result, 10_000, 'a healthy probe waited for a held one');
      assert.equal(r.state, 'ok', JSON.stringify(r));
      held.setMode('eio'); // let go of the held request with an error: the first probe reports it
      const state = () => `fixture holds ${held.held()}; its stderr: ${held.stderr()}`;
      const s = await within(stuck.result, MARGIN_MS, () => `the held probe did not answer once released; ${state()}`);
      assert.equal(s.state === 'error' && s.errno, 'EIO', JSON.stringify(s));
      await within(stuck.exited, MARGIN_MS, () => `the released probe ${s.pid} was not reaped: threads ${threadStates(s.pid).join('')}`);
    });

    test('frozen daemon (SIGSTOP): hung at the timeout, and the queued request lets SIGKILL reap the probe soon', async (t) => {
      const fx = await fixture(t, { mode: 'ok' });
      await fx.freeze();
      const run = probe(fx.mountpoint, TIMEOUT_MS);
      const r = await within(run.result, TIMEOUT_MS + MARGIN_MS, 'no result from a probe of a frozen mount');
      assert.equal(r.state, 'hung', JSON.stringify(r));
      await within(run.exited, MARGIN_MS, 'a probe of a frozen (not holding) daemon survived SIGKILL');
      assert.equal(fx.held(), 0);
      fx.thaw();
      const again = await within(probe(fx.mountpoint, 10_000).result, 10_000 + MARGIN_MS, 'no result after thaw');
      assert.equal(again.state, 'ok', JSON.stringify(again));
    });
  });
}
