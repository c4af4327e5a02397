// An SMB server dies under the kernel's own CIFS client (in the lab guest, see test/lab/lab-suite): a
// `hard` cifs mount of the guest's smbd at 127.0.0.5, watched by the real daemon, its server's port cut
// with nftables, then the cut lifted. What users and admins see: the mount slow, then hung; the kernel's
// one line about it (`CIFS: VFS: \\127.0.0.5 has not responded in 3 seconds. Reconnecting...`) marking
// that mount and logged once; back ok when the server answers, with the kernel's words gone from it
// (CIFS prints no "OK" line: the first answer after the line is the all-clear).
// echo_interval=1: the client echoes an idle server every second and gives up on it after 3 echoes
// unanswered, so the line comes seconds after the cut, not after the default 180 s.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { privateMountNamespace, skipOrFail } from '../support/namespace.js';
import { smbServerUnavailable, startSmbServer } from '../support/lab-smb.js';
import { DaemonProcess, withDaemonLog } from '../helper/cli/cli-harness.js';
import { Follower } from '../helper/cli/follow-client.js';
import { cleanupsAfter } from '../support/cleanups.js';

const ns = privateMountNamespace(import.meta.url);
const skip = skipOrFail(ns.canMount ? smbServerUnavailable() : ns.reason);
const SERVER = '127.0.0.5';

const cleanups = cleanupsAfter();

/** The kernel's CIFS lines since boot (dmesg reads /dev/kmsg; nothing touches a mount). */
const cifsLines = () => execFileSync('dmesg', { encoding: 'utf8' }).split('\n').filter((l) => l.includes('CIFS: VFS:'));

let said = () => '(no daemon yet)';

test('an SMB server dies: the cifs mount is slow, then hung, the kernel line marks it, ok again after', { skip, timeout: 600_000 }, async () => {
  await withDaemonLog(() => said(), outage, () => `--- CIFS lines ---\n${cifsLines().join('\n')}`);
});

async function outage(): Promise<void> {
  const smb = await startSmbServer();
  cleanups.push(() => smb.stop());
  const base = mkdtempSync(join(tmpdir(), 'msm-smb-outage-'));
  cleanups.push(() => rmSync(base, { recursive: true, force: true }));
  const share = join(base, 'share');
  mkdirSync(share);
  execFileSync('mount', ['-t', 'cifs', '-o', 'guest,hard,echo_interval=1', `//${SERVER}/share`, share]);
  cleanups.push(() => void execFileSync('umount', ['-l', share]));

  const runDir = join(base, 'run');
  mkdirSync(runDir);
  chmodSync(runDir, 0o755);
  const socket = join(runDir, 'helper.sock');
  const daemon = new DaemonProcess(['--include', `${base}/**`, '--watch', share, '--socket', socket, '--no-syslog']);
  cleanups.push(() => daemon.stop());
  said = () => daemon.stderr;
  await daemon.waitFor(/Checked 1 mounts? in \d+ seconds\n/, 20_000);
  assert.doesNotMatch(daemon.stderr, /Not following kernel messages/, 'the daemon follows /dev/kmsg');
  const follow = new Follower(socket);
  cleanups.push(() => follow.stop());
  const first = await follow.waitFor((m) => m.mountpoint === share && m.state === 'ok', 15_000);
  assert.equal(first.mount.server, SERVER, 'the mount is attributed to its server (//127.0.0.5/share)');

  const mark = follow.lines.length;
  const cutAt = Date.now();
  smb.cut(SERVER);
  const since = (l: { at: number }) => `${((l.at - cutAt) / 1000).toFixed(1)} s`;
  const slow = await follow.waitFor((m) => m.mountpoint === share && m.state === 'slow', 30_000, mark);
  const hung = await follow.waitFor((m) => m.mountpoint === share && m.state === 'hung', 60_000, mark);
  const marked = await follow.waitFor((m) => m.mountpoint === share && String(m.suspect).includes(`\\\\${SERVER} has not responded`), 60_000, mark);
  await daemon.waitFor(new RegExp(`Kernel reports server ${SERVER.replace(/\./g, '\\.')} not responding: probing its 1 mount now`), 10_000);
  const kernel = cifsLines().filter((l) => l.includes(`\\\\${SERVER} `));
  console.log(`# cut: slow after ${since(slow)}, hung after ${since(hung)}, the kernel's line on the mount after ${since(marked)} ("${String(marked.mount.suspect)}"); kernel lines: ${JSON.stringify(kernel)}`);
  assert.match(String(marked.mount.suspect), /^kernel: CIFS: VFS: \\\\127\.0\.0\.5 has not responded in \d+ seconds\. Reconnecting\.\.\.$/);

  const restoredAt = Date.now();
  const restoreMark = follow.lines.length;
  smb.restore();
  const back = await follow.waitFor((m) => m.mountpoint === share && m.state === 'ok', 60_000, restoreMark);
  const states = follow.lines.slice(mark, restoreMark).filter((l) => l.mount.mountpoint === share).map((l) => `${l.mount.state}@${since(l)}`);
  console.log(`# back ok ${back.at - restoredAt} ms after the cut was lifted; during the cut: ${states.join(' ')}`);
  assert.equal(back.mount.suspect, undefined, 'the kernel line no longer marks the mount once it answers');
  assert.equal(daemon.count(/Kernel reports server/), 1, 'one log line for the kernel line');

  daemon.child.kill('SIGTERM');
  assert.equal((await daemon.exited()).code, 0);
}
