// `mountstatus disconnect` on a kernel without NFS shutdown (Debian 12's 6.1, in the lab guest: see
// test/lab/lab-suite): it falls back to a forced unmount and says plainly what that could not free,
// naming the programs still blocked, instead of pretending. The mount stays hard and blocked until the
// server is back, as on such a kernel it must.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { privateMountNamespace, skipOrFail } from '../../support/namespace.js';
import { nfsServerUnavailable, startNfsServer } from '../../support/lab-nfs.js';
import { mountsAt } from '../../support/mounts.js';
import { runCli } from '../cli/cli-harness.js';
import { Follower } from '../cli/follow-client.js';
import { startRecoveryDaemon } from './recovery-daemon.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { cleanupsAfter } from '../../support/cleanups.js';

const ns = privateMountNamespace(import.meta.url);
const skip = skipOrFail(ns.canMount ? nfsServerUnavailable() : ns.reason);

const cleanups = cleanupsAfter();


function stateOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.charAt(stat.lastIndexOf(')') + 2);
  } catch {
    return undefined;
  }
}

test('no knob on 6.1: the fall-back force-unmounts, and names the blocked programs it could not free', { skip, timeout: 600_000 }, async () => {
  assert.match(release(), /^6\.1\./, 'Debian 12\'s kernel');
  const nfs = startNfsServer();
  cleanups.push(() => nfs.stop());
  const dir = nfs.exportDir('home');
  writeFileSync(join(dir, 'notes.txt'), 'the reader reads this\n');
  const base = mkdtempSync(join(tmpdir(), 'msm-disconnect-lab-'));
  cleanups.push(() => rmSync(base, { recursive: true, force: true }));
  const home = join(base, 'home');
  mkdirSync(home);
  execFileSync('mount', ['-t', 'nfs', '-o', 'vers=4.2,hard,timeo=10,retrans=2', `127.0.0.2:${dir}`, home], { timeout: 60_000 });
  cleanups.push(() => void spawnSync('umount', ['-l', home]));
  const { device } = mountsAt(home).at(-1)!;
  assert.equal(existsSync(`/sys/fs/nfs/${device}/shutdown`), false, 'no knob on this kernel');
  const helper = await startRecoveryDaemon({ args: ['--interval', '1', '--timeout', '3', '--include', `${base}/**`, '--watch', `${base}/*`], cleanups, startTimeoutMs: 120_000 });
  const follow = new Follower(helper.socket);
  cleanups.push(() => follow.stop());
  await follow.waitFor((m) => m.mountpoint === home && m.state === 'ok', 60_000);

  const shell = spawn('sleep', ['600'], { cwd: home, stdio: 'ignore' });
  cleanups.push(() => void shell.kill('SIGKILL'));
  writeFileSync('/proc/sys/vm/drop_caches', '3');
  nfs.cut();
  const reader = spawn('cat', [join(home, 'notes.txt')], { stdio: 'ignore' });
  cleanups.push(() => void reader.kill('SIGKILL'));
  for (let i = 0; i < 600 && stateOf(reader.pid!) !== 'D'; i++) await sleep(100);
  assert.equal(stateOf(reader.pid!), 'D', 'the reader is blocked');
  await follow.waitFor((m) => m.mountpoint === home && (m.state === 'hung' || m.state === 'slow'), 60_000);

  const r = await runCli(['disconnect', '--yes', '--socket', helper.socket, home], { timeoutMs: 180_000 });
  console.log(`# the fall-back on ${release()}: exit ${r.code} after ${r.ms} ms\n# ${r.stdout.trim().split('\n').join('\n# ')}\n# ${r.stderr.trim()}`);
  assert.equal(r.code, 1, 'not a disconnect: exit 1');
  assert.match(r.stderr, new RegExp(`could not disconnect ${home}: this kernel \\(${release().replace(/[.+]/g, '\\$&')}\\) has no NFS shutdown \\(no /sys/fs/nfs/${device}/shutdown: Linux 6\\.6 added it\\)`));
  // umount -f aborts what is in flight at that moment; the shell's cwd keeps the mount busy.
  assert.match(r.stderr, new RegExp(`still mounted \\(${home} is still in use by sleep\\[${shell.pid}\\] \\(cwd\\)`), 'what keeps it mounted is named');
  const readerState = stateOf(reader.pid!);
  console.log(`# after the fall-back the reader is ${readerState === 'D' ? 'still blocked (D)' : `in state ${readerState ?? 'exited'}`}`);
  if (readerState === 'D') assert.match(r.stderr, new RegExp(`stay blocked until the server answers: cat\\[${reader.pid}\\]`), 'a reader still blocked is named');
  else assert.doesNotMatch(r.stderr, new RegExp(`cat\\[${reader.pid}\\]`), 'a freed reader is not named as staying');
  await helper.daemon.waitFor(new RegExp(`Couldn't disconnect ${home}: this kernel .* has no NFS shutdown`), 60_000);
  nfs.restore();
  for (let i = 0; i < 1200 && stateOf(reader.pid!) !== undefined && stateOf(reader.pid!) !== 'Z'; i++) await sleep(100);
  console.log(`# the reader went on once the server was back (state ${stateOf(reader.pid!) ?? 'exited'})`);
});
