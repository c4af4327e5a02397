// An attack on the probe path: a user who owns the parent of mounts swaps that parent for a symlink to a
// directory only root may read, and back, in a loop, while the helper probes. A probe that resolved the
// path afresh as root (stat, then opendir) listed the root-only directory for them, and answered ENOENT
// for names missing there: an existence oracle. The probe now opens the path once without following
// symlinks, checks that it opened the mount the table names, and does everything after through that fd.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createMonitor } from '../../../src/node/create-monitor.js';
import { DEFAULT_SETTINGS } from '../../../src/node/config/settings.js';
import { createProber, type CreateProberOptions } from '../../../src/node/probe/create-prober.js';
import type { Prober, ProbeResult } from '../../../src/node/probe/prober.js';
import { makeTempRoot, mountsAt, mountTmpfs, type TempRoot } from '../../support/mounts.js';
import { privateMountNamespace, skipOrFail } from '../../support/namespace.js';
import { ensureTestUser, type TestUser } from '../../support/test-user.js';
import { ENGINES } from './engines.js';

const ns = privateMountNamespace(import.meta.url);
const skip = skipOrFail(ns.canMount ? undefined : ns.reason);

const MIB = 1024 * 1024;

interface Stage {
  root: TempRoot;
  user: TestUser;
  /** The user's directory whose child `d` is swapped; d/.cache and d/nothere are 1 MiB tmpfs mounts. */
  x: string;
  mounts: { path: string; id: number; device: string }[];
  /** Root-only: secret/.cache holds three files. */
  secret: string;
}

function stage(prefix: string): Stage {
  const root = makeTempRoot(prefix);
  const user = ensureTestUser();
  const x = root.join('x');
  mkdirSync(x);
  chownSync(x, user.uid, user.gid);
  const d = join(x, 'd');
  mkdirSync(d);
  chownSync(d, user.uid, user.gid);
  const secret = root.join('secret');
  mkdirSync(join(secret, '.cache'), { recursive: true, mode: 0o700 });
  for (const f of ['a', 'b', 'c']) writeFileSync(join(secret, '.cache', f), f);
  const mounts = ['.cache', 'nothere'].map((name) => {
    const path = mountTmpfs(join(d, name), { size: '1m', mode: 0o700, uid: user.uid, gid: user.gid });
    writeFileSync(join(path, 'mine'), 'x');
    const line = mountsAt(path).at(-1)!;
    return { path, id: line.id, device: line.device };
  });
  return { root, user, x, mounts, secret };
}

/**
 * As the user, until killed: d (the real directory) and d.link (a symlink to secret) trade places
 * atomically (renameat2 RENAME_EXCHANGE, so d always exists), a moment each way. Python's ctypes reaches
 * renameat2(2), which no shell tool on Debian 12 offers.
 */
const SWAPPER = `
import ctypes, os, sys, time
libc = ctypes.CDLL(None, use_errno=True)
os.chdir(sys.argv[1])
os.symlink(sys.argv[2], 'd.link')
while True:
    if libc.renameat2(-100, b'd', -100, b'd.link', 2) != 0:
        sys.exit('renameat2: ' + os.strerror(ctypes.get_errno()))
    time.sleep(0.002)
`;

function startSwapper(s: Stage): ChildProcess {
  const args = [`--reuid=${s.user.uid}`, `--regid=${s.user.gid}`, '--clear-groups', '/usr/bin/python3', '-c', SWAPPER, s.x, s.secret];
  return spawn('setpriv', args, { stdio: ['ignore', 'ignore', 'inherit'] });
}

async function stopSwapper(child: ChildProcess, s: Stage): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
  }
  // Killed mid-swap, d may be the symlink: trade back (as root, the test's own cleanup).
  const r = spawnSync('/usr/bin/python3', ['-c', `import os,sys
os.chdir(sys.argv[1])
if os.path.islink('d'):
    os.rename('d', 'd.tmp'); os.rename('d.link', 'd'); os.rename('d.tmp', 'd.link')`, s.x]);
  assert.equal(r.status, 0, String(r.stderr));
}

/** What a leak looks like: the root-only .cache listed (3 entries, the scratch tmpfs's size), or ENOENT. */
function leaked(r: ProbeResult, name: string): string | undefined {
  if (r.state === 'ok' && (r.entries !== 1 || r.capacity.totalBytes !== MIB)) return `${name}: listed something else: ${JSON.stringify(r)}`;
  if (r.state === 'error' && r.errno === 'ENOENT') return `${name}: ENOENT through the swapped path (an existence oracle)`;
  if (r.state === 'denied' && r.uid === 0) return `${name}: judged as root's directory: ${JSON.stringify(r)}`;
  return undefined;
}

const engines: [string, CreateProberOptions][] = [
  ...ENGINES.map((e): [string, CreateProberOptions] => [e.label, e.options]),
  ['native, component walk (no openat2)', { kind: 'native', native: { componentWalk: true } }],
];

for (const [name, options] of engines) {
  describe(`${name} prober: a parent swapped for a symlink while probing`, { skip }, () => {
    let s: Stage;
    let prober: Prober;
    before(() => {
      s = stage(`msm-swap-${name.replace(/[^a-z]+/g, '-')}`);
      prober = createProber(options);
    });
    after(async () => {
      await prober.close();
      s.root.cleanup();
    });

    test('root never lists through the swapped path, and never answers ENOENT for it', { timeout: 120_000 }, async () => {
      const swapper = startSwapper(s);
      const rounds = name === 'node' ? 40 : 400;
      const leaks: string[] = [];
      let ok = 0;
      let refused = 0;
      try {
        for (let i = 0; i < rounds; i++) {
          const runs = s.mounts.map((m) => prober.probe({ path: m.path, timeoutMs: 10_000, asOwner: true, mount: { id: m.id, device: m.device } }));
          const rs = await Promise.all(runs.map((r) => r.result));
          rs.forEach((r, k) => {
            const leak = leaked(r, s.mounts[k]!.path);
            if (leak) leaks.push(leak);
            else if (r.state === 'ok') ok++;
            else if (r.state === 'error' && r.stage === 'mount') refused++;
          });
        }
      } finally {
        await stopSwapper(swapper, s);
      }
      assert.deepEqual(leaks.slice(0, 5), [], `${leaks.length} leaks in ${rounds} rounds`);
      // The test must be able to fail: the swap really was seen by some probes, and the real mounts were
      // listed (as their owner) by others.
      assert.ok(refused > 0, `no probe ever met the swapped path (${ok} ok)`);
      assert.ok(ok > 0, `no probe ever listed the real mounts (${refused} refused)`);
      console.log(`# ${name}: ${ok} listed as their owner, ${refused} refused as "not the mount in the table"`);
    });
  });
}

describe('monitor sweeps while the parent is swapped', { skip }, () => {
  let s: Stage;
  before(() => (s = stage('msm-swap-monitor-')));
  after(() => s.root.cleanup());

  test('no sweep reports the root-only directory as a mount, nor ENOENT for a path the table names', { timeout: 120_000 }, async () => {
    const monitor = createMonitor({ ...DEFAULT_SETTINGS, timeoutSeconds: 10, include: [`${s.x}/**`] }, 'system');
    const swapper = startSwapper(s);
    const bad: string[] = [];
    try {
      for (let i = 0; i < 100; i++) {
        const report = await monitor.sweep();
        for (const m of report.mounts) {
          if (m.state === 'ok' && m.capacity?.totalBytes !== MIB) bad.push(`${m.mountpoint}: ok with ${JSON.stringify(m.capacity)}`);
          // A table read mid-swap names d.link/...: gone by the time of the probe, that one may be ENOENT.
          if (m.errno === 'ENOENT' && m.mountpoint.startsWith(join(s.x, 'd') + '/')) bad.push(`${m.mountpoint}: ENOENT`);
        }
      }
    } finally {
      await stopSwapper(swapper, s);
      await monitor.stop();
    }
    assert.deepEqual(bad.slice(0, 5), [], `${bad.length} bad statuses`);
  });
});
