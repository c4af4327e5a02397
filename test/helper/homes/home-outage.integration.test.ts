// The home watch against a real network outage: a user's home on sshfs to an sshd in a network namespace
// of the test's own, the link cut with an nftables drop (test/support/sshfs-netns.ts). The user is logged
// in (a logind users directory private to this namespace) and runs no client: a real `mountstatus
// daemon` with the shipped defaults reports the home slow within 3 s of the cut, with the program already
// waiting on it, and ok again after the link is back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mountTmpfs } from '../../support/mounts.js';
import { privateMountNamespace, skipOrFail } from '../../support/namespace.js';
import { prepareHomeMountpoint, sshfsNetnsUnavailable, startSshfsNetns } from '../../support/sshfs-netns.js';
import { ensureTestUser } from '../../support/test-user.js';
import { DaemonProcess } from '../cli/cli-harness.js';
import { Follower } from '../cli/follow-client.js';
import { cleanupsAfter } from '../../support/cleanups.js';
import { setTimeout as sleep } from 'node:timers/promises';

const ns = privateMountNamespace(import.meta.url);
const skip = skipOrFail(ns.canMount ? sshfsNetnsUnavailable() : ns.reason);
const cleanups = cleanupsAfter();

test('a logged-in user\'s sshfs home whose network dies: slow within 3 s, the waiting program named, ok after', { skip, timeout: 120_000 }, async () => {
  const user = ensureTestUser();
  const home = `/home/${user.name}`;
  const fx = await startSshfsNetns(prepareHomeMountpoint(home), { owner: user });
  cleanups.push(() => fx.stop());
  writeFileSync(join(fx.serverDir, 'unread.txt'), 'never read before the cut, so no cache has it\n');
  mountTmpfs('/run/systemd/users', { mkdir: false, mode: 0o755 });
  writeFileSync(`/run/systemd/users/${user.uid}`, 'STATE=active\n');

  const dir = mkdtempSync(join(tmpdir(), 'msm-outage-'));
  chmodSync(dir, 0o755);
  const socket = join(dir, 'run', 'helper.sock');
  const daemon = new DaemonProcess(['--include', '/home/**', '--socket', socket, '--no-syslog']);
  cleanups.push(() => daemon.stop());
  await daemon.waitFor(/Checked \d+ mounts? in/);
  const follow = new Follower(socket); // root's view (root's own home, /root, is out of scope here)
  cleanups.push(() => follow.stop());
  await follow.waitFor((m) => m.mountpoint === home && m.watched === 'home' && m.state === 'ok', 20_000);

  // A program of the user's with its cwd in the home, about to read a file no cache holds.
  const reader = spawn('sh', ['-c', 'read x; exec cat unread.txt'], { cwd: home, uid: user.uid, gid: user.gid, stdio: ['pipe', 'ignore', 'ignore'] });
  cleanups.push(() => void reader.kill('SIGKILL'));
  await sleep(300);

  const mark = follow.lines.length;
  fx.cut();
  const cutAt = Date.now();
  reader.stdin!.write('go\n');
  const slow = await follow.waitFor((m) => m.mountpoint === home && m.state === 'slow', 15_000, mark);
  const ms = slow.at - cutAt;
  console.log(`# network cut: the sshfs home reported slow after ${ms} ms (watch-interval 1 s, slow-after 1.5 s)`);
  assert.ok(ms <= 3000, `reported slow ${ms} ms after the cut`);
  const blocked = await follow.waitFor((m) => m.mountpoint === home && (m.blocked?.processes ?? []).some((p) => p.pid === reader.pid), 15_000, mark);
  assert.equal(blocked.mount.blocked!.processes.find((p) => p.pid === reader.pid)?.comm, 'cat');
  await daemon.waitFor(new RegExp(`(process is|processes are) blocked on ${home} .*: .*cat\\[${reader.pid}\\]`));

  fx.restore();
  // TCP's next retransmission carries the answer: seconds, not at once (sshfs-netns.ts).
  await follow.waitFor((m) => m.mountpoint === home && m.state === 'ok', 60_000, follow.lines.indexOf(blocked));
});
