// The probe tests, run against both probers (native-prober and node-prober integration test files):
// the same real mounts must give the same answers.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createProber, type CreateProberOptions } from '../../../src/node/probe/create-prober.js';
import type { Prober, ProbeResult } from '../../../src/node/probe/prober.js';
import { mountsAt } from '../../support/mounts.js';
import { skipOrFail, type NamespaceInfo } from '../../support/namespace.js';
import { ensureTestUser, type TestUser } from '../../support/test-user.js';
import { freeze, scratch, startBindfs, tmpfsAt } from './mount-fixtures.js';
import { setTimeout as sleep } from 'node:timers/promises';

/** "Did not hang" bound on top of a probe's timeout: generous, this is a 2-core VM. */
const MARGIN_MS = 2000;

export function ok(r: ProbeResult): Extract<ProbeResult, { state: 'ok' }> {
  assert.equal(r.state, 'ok', JSON.stringify(r));
  return r as Extract<ProbeResult, { state: 'ok' }>;
}

function bindfsMissing(): string | undefined {
  return spawnSync('bindfs', ['--version']).status === 0 ? undefined : 'bindfs is not installed (apt-get install bindfs)';
}

export interface SuiteOptions {
  manyMounts: number;
  /** Run on a variant of the kind (the prober's engines, its component walk). */
  label?: string;
  prober?: CreateProberOptions;
  /** A process per probe (fork per probe, the Node fallback), or a few workers probing in turn. */
  engine: 'fork' | 'workers';
}

export function proberSuite(kind: 'native' | 'node', ns: NamespaceInfo, opts: SuiteOptions): void {
  const skip = skipOrFail(ns.canMount ? undefined : ns.reason);
  const skipFuse = skip || skipOrFail(ns.canMount ? bindfsMissing() : undefined);

  describe(`${opts.label ?? kind} prober`, { skip }, () => {
    let prober: Prober;
    let box: ReturnType<typeof scratch>;
    let user: TestUser;
    const cleanups: (() => void)[] = [];
    const probe = (path: string, timeoutMs = 10_000, asOwner = true) => prober.probe({ path, timeoutMs, asOwner });

    before(() => {
      box = scratch();
      user = ensureTestUser();
      prober = createProber({ ...opts.prober, kind });
      assert.equal(prober.kind, kind);
    });
    after(async () => {
      await prober.close();
      for (const c of cleanups.reverse()) c();
      box.dispose();
    });

    test('a tmpfs is listed: entries, owner, mode and capacity', async () => {
      const m = tmpfsAt(join(box.dir, 'plain'), 'size=1m,mode=0751');
      for (const f of ['a', 'b', 'c']) writeFileSync(join(m, f), f);
      mkdirSync(join(m, 'd'));
      const r = ok(await probe(m).result);
      assert.equal(r.entries, 4);
      assert.equal(r.mode, 0o751);
      assert.equal(r.uid, 0);
      assert.equal(r.capacity.totalBytes, 1024 * 1024);
      assert.ok(r.capacity.availBytes > 0 && r.capacity.availBytes <= r.capacity.totalBytes);
      assert.ok(r.capacity.totalInodes > 0);
      assert.ok(r.pid > 0 && r.latencyMs >= 0);
    });

    test('a 0700 tmpfs owned by an unprivileged user is listed as that user', async () => {
      const m = tmpfsAt(join(box.dir, 'owned'), `size=1m,mode=0700,uid=${user.uid},gid=${user.gid}`);
      writeFileSync(join(m, 'only-file'), 'x');
      const r = ok(await probe(m).result);
      assert.equal(r.entries, 1);
      assert.equal(r.uid, user.uid);
      assert.equal(r.mode, 0o700);
    });

    test('the probe really runs as the owner: a parent only root may search gives EACCES at opendir', async () => {
      const parent = join(box.dir, 'root-only');
      mkdirSync(parent, { mode: 0o700 });
      chmodSync(parent, 0o700);
      const m = tmpfsAt(join(parent, 'mnt'), `size=1m,mode=0700,uid=${user.uid},gid=${user.gid}`);
      const r = await probe(m).result;
      assert.equal(r.state, 'error', JSON.stringify(r));
      assert.equal(r.state === 'error' && r.errno, 'EACCES');
      assert.equal(r.state === 'error' && r.stage, 'opendir');
      // Without dropping (asOwner false, still root) the same mount lists fine.
      ok(await probe(m, 10_000, false).result);
    });

    test("the owner's supplementary groups apply (initgroups): a parent searchable by that group only", async () => {
      const parent = join(box.dir, 'group-only');
      mkdirSync(parent);
      chownSync(parent, 0, user.supplementaryGid);
      chmodSync(parent, 0o710);
      const m = tmpfsAt(join(parent, 'mnt'), `size=1m,mode=0700,uid=${user.uid},gid=${user.gid}`);
      ok(await probe(m).result);
    });

    test('a root-owned mode 000 mountpoint is denied with the seed message', async () => {
      const m = tmpfsAt(join(box.dir, 'mode000'), 'size=1m,mode=000');
      const r = await probe(m).result;
      assert.deepEqual({ ...r, pid: 0, latencyMs: 0 }, { state: 'denied', pid: 0, latencyMs: 0, mode: 0, uid: 0, message: 'mode 000 does not allow access' });
    });

    test('a mode 4000 mountpoint is denied: "mode 4000 does not allow access"', async () => {
      const m = tmpfsAt(join(box.dir, 'mode4000'), 'size=1m');
      chmodSync(m, 0o4000);
      const r = await probe(m).result;
      assert.equal(r.state, 'denied', JSON.stringify(r));
      assert.equal(r.state === 'denied' && r.message, 'mode 4000 does not allow access');
      assert.equal(r.state === 'denied' && r.mode, 0o4000);
    });

    test('the path must lead to the mount the request names: another mount id, or a symlink on the way, is a "mount" error', async () => {
      const m = tmpfsAt(join(box.dir, 'named'), 'size=1m');
      const line = mountsAt(m).at(-1)!;
      ok(await prober.probe({ path: m, timeoutMs: 10_000, asOwner: true, mount: { id: line.id, device: line.device } }).result);
      const other = await prober.probe({ path: m, timeoutMs: 10_000, asOwner: true, mount: { id: line.parentId } }).result;
      assert.deepEqual(other.state === 'error' && [other.errno, other.stage], ['ESTALE', 'mount'], JSON.stringify(other));
      assert.match(other.state === 'error' ? other.message : '', /does not lead to the mount in the mount table/);
      // Without a mount id (kernels before 5.8 give none) the device decides.
      const dev = await prober.probe({ path: m, timeoutMs: 10_000, asOwner: true, mount: { id: -1, device: '0:1' } }).result;
      assert.deepEqual(dev.state === 'error' && [dev.errno, dev.stage], ['ESTALE', 'mount'], JSON.stringify(dev));
      symlinkSync(box.dir, join(box.dir, 'link'));
      const linked = await prober.probe({ path: join(box.dir, 'link', 'named'), timeoutMs: 10_000, asOwner: true, mount: { id: line.id } }).result;
      assert.deepEqual(linked.state === 'error' && [linked.errno, linked.stage], ['ELOOP', 'mount'], JSON.stringify(linked));
    });

    test('a missing path is an error at stat, not a rejection', async () => {
      const r = await probe(join(box.dir, 'no-such-dir')).result;
      assert.equal(r.state, 'error');
      assert.equal(r.state === 'error' && r.errno, 'ENOENT');
      assert.equal(r.state === 'error' && r.stage, 'stat');
      assert.equal(r.state === 'error' && r.message, 'no such file or directory');
    });

    test('a bind-mounted file, device or FIFO is ok (nothing to list), never opened, never "denied"', async () => {
      // kubelet's subPath volumes and /dev/null masks are mounts of non-directories: a healthy mount
      // whose mode has no x bit (0644) must not read "mode 644 does not allow access", nor ENOTDIR.
      const dir = join(box.dir, 'files');
      mkdirSync(dir);
      const targets: [string, string][] = [];
      for (const [name, mode] of [['plain', 0o644], ['exec', 0o755], ['none', 0o000]] as const) {
        const src = join(dir, `${name}.src`);
        writeFileSync(src, 'x');
        chmodSync(src, mode);
        targets.push([name, src]);
      }
      const fifo = join(dir, 'fifo.src');
      assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
      targets.push(['fifo', fifo], ['devnull', '/dev/null']);
      for (const [name, src] of targets) {
        const target = join(dir, name);
        writeFileSync(target, '');
        assert.equal(spawnSync('mount', ['--bind', src, target]).status, 0, `bind ${src}`);
        const r = ok(await probe(target, 5000).result);
        assert.equal(r.entries, 0, name);
        assert.ok(r.capacity.totalBytes > 0 || name === 'devnull', `${name}: capacity of the file's filesystem`);
      }
    });

    test('mountpoints named with space, tab, newline, backslash and UTF-8', async () => {
      const names = ['with space', 'with\ttab', 'with\nnewline', 'back\\slash', 'ünïcødé ✓ 名前', ' \t\n\\ all'];
      names.forEach((n, i) => {
        const m = tmpfsAt(join(box.dir, 'names', n));
        for (let k = 0; k <= i; k++) writeFileSync(join(m, `f${k}`), '');
      });
      const rs = await Promise.all(names.map((n) => probe(join(box.dir, 'names', n)).result));
      rs.forEach((r, i) => assert.equal(ok(r).entries, i + 1, JSON.stringify(names[i])));
    });

    test('a name that is not UTF-8 is probed by its exact bytes (pathBytes)', async () => {
      const bytes = Buffer.concat([Buffer.from(`${box.dir}/latin1-`), Buffer.from([0xe9, 0xff])]);
      // Node's spawn takes strings only, so let the shell make the raw name.
      const r0 = spawnSync('bash', ['-c', `mkdir "$1"$'\\351\\377' && mount -t tmpfs -o size=1m x "$1"$'\\351\\377' && touch "$1"$'\\351\\377'/f`, '-', `${box.dir}/latin1-`]);
      assert.equal(r0.status, 0, String(r0.stderr));
      const r = ok(await prober.probe({ path: bytes.toString('latin1'), pathBytes: bytes, timeoutMs: 10_000, asOwner: true }).result);
      assert.equal(r.entries, 1);
    });

    test(`${opts.manyMounts} mounts probed at once`, { timeout: 300_000 }, async () => {
      const base = join(box.dir, 'many');
      mkdirSync(base);
      const script = `for i in $(seq 1 ${opts.manyMounts}); do mkdir "$1/m$i" && mount -t tmpfs -o size=64k x "$1/m$i" && : > "$1/m$i/f" || exit 1; done`;
      const r0 = spawnSync('bash', ['-c', script, '-', base]);
      assert.equal(r0.status, 0, String(r0.stderr));
      const runs = Array.from({ length: opts.manyMounts }, (_, i) => probe(join(base, `m${i + 1}`), 60_000));
      const rs = await Promise.all(runs.map((r) => r.result));
      rs.forEach((r) => assert.equal(ok(r).entries, 1));
      const pids = new Set(rs.map((r) => r.pid)).size;
      if (opts.engine === 'fork') assert.equal(pids, opts.manyMounts, 'one child per probe');
      else assert.ok(pids <= opts.manyMounts / 4, `${pids} processes for ${opts.manyMounts} probes: workers take many each`);
      await Promise.all(runs.map((r) => r.exited));
      spawnSync('bash', ['-c', `for i in $(seq 1 ${opts.manyMounts}); do umount "$1/m$i"; done`, '-', base]);
    });

    describe('FUSE (bindfs)', { skip: skipFuse }, () => {
      test('a frozen FUSE daemon (SIGSTOP) is reported hung at the timeout; the killed probe is reaped; others are not delayed', async () => {
        const fs = await startBindfs(join(box.dir, 'frozen-src'), join(box.dir, 'frozen'));
        cleanups.push(fs.dispose);
        await freeze(fs.daemon.pid!);
        const timeoutMs = 2000;
        const t0 = performance.now();
        const run = probe(join(box.dir, 'frozen'), timeoutMs);
        let frozenSettled = false;
        void run.result.then(() => (frozenSettled = true));
        ok(await probe(join(box.dir, 'plain'), 10_000).result);
        assert.equal(frozenSettled, false, 'a healthy mount is answered while the frozen one is still waiting');
        const r = await run.result;
        const waited = performance.now() - t0;
        assert.equal(r.state, 'hung', JSON.stringify(r));
        assert.ok(r.pid > 0);
        assert.ok(r.latencyMs >= timeoutMs - 1, `reported after ${r.latencyMs} ms`);
        assert.ok(waited < timeoutMs + MARGIN_MS, `hung reported within timeout + margin (${waited} ms)`);
        // The request was still queued in the kernel (the daemon never read it), so SIGKILL ends the child.
        await withBound(run.exited, 10_000, 'killed probe was not reaped');
        assert.equal(isAlive(r.pid), false);
      });

      test('a killed FUSE daemon gives ENOTCONN', async () => {
        const fs = await startBindfs(join(box.dir, 'dead-src'), join(box.dir, 'dead'));
        cleanups.push(fs.dispose);
        fs.daemon.kill('SIGKILL');
        await new Promise((r) => fs.daemon.once('exit', r));
        const r = await probe(join(box.dir, 'dead')).result;
        assert.equal(r.state, 'error', JSON.stringify(r));
        assert.equal(r.state === 'error' && r.errno, 'ENOTCONN');
        assert.equal(r.state === 'error' && r.stage, 'stat');
      });

      test('close() kills probes in flight and reaps them; later probes are refused as data', async () => {
        const fs = await startBindfs(join(box.dir, 'close-src'), join(box.dir, 'close'));
        cleanups.push(fs.dispose);
        await freeze(fs.daemon.pid!);
        const own = createProber({ ...opts.prober, kind });
        const runs = [0, 1, 2].map(() => own.probe({ path: join(box.dir, 'close'), timeoutMs: 120_000, asOwner: true }));
        await sleep(500); // let the children start and block
        await withBound(own.close(), 10_000, 'close() did not return');
        for (const run of runs) {
          const r = await run.result;
          assert.equal(r.state, 'error', JSON.stringify(r));
          assert.equal(r.state === 'error' && r.errno, 'ECANCELED');
          await withBound(run.exited, 10_000, 'closed probe was not reaped');
          if (r.pid > 0) assert.equal(isAlive(r.pid), false);
        }
        const late = await own.probe({ path: box.dir, timeoutMs: 1000, asOwner: true }).result;
        assert.equal(late.state === 'error' && late.errno, 'ECANCELED');
      });
    });
  });
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function withBound<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms)));
  try {
    return await Promise.race([p, bound]);
  } finally {
    clearTimeout(timer);
  }
}
