// A deep mount, made as an attacker would: an unprivileged user mounts a FUSE filesystem of their own
// (fusermount3, no allow_other), then moves its parent under 3,000 nested 255-byte names of control
// bytes. Its mountinfo line is ~768 KB and its path 4.6 MB of JSON, more than a whole reply frame: every
// `status` got "too large" and the mount's events were dropped. Now the path is cut on the wire and
// everything else goes on: status as root and as another user, the table, events, a recheck of it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chownSync, mkdirSync, readFileSync } from 'node:fs';
import { MAX_WIRE_TEXT_BYTES } from '../../../src/common/protocol.js';
import type { MonitorEvent } from '../../../src/common/monitor-api.js';
import { connectHelper } from '../../../src/node/ipc/client.js';
import { privateMountNamespace, skipOrFail } from '../../support/namespace.js';
import { fuseFixtureUnavailable } from '../../support/fuse-fixture.js';
import { listMounts, makeTempRoot, mountTmpfs } from '../../support/mounts.js';
import { asUser, ensureOtherTestUser, ensureTestUser, type User } from '../../support/test-user.js';
import { openDevFuse } from '../../support/fuse-fixture.js';
import { startUserFuse } from '../../support/user-fuse.js';
import { DaemonProcess, runCli, type RunResult } from '../cli/cli-harness.js';
import { waitFor } from './raw-client.js';
import { cleanupsAfter } from '../../support/cleanups.js';
import { setTimeout as sleep } from 'node:timers/promises';

const ns = privateMountNamespace(import.meta.url);
const skip = skipOrFail(ns.canMount ? (fuseFixtureUnavailable() ?? (spawnSync('fusermount3', ['-V']).status === 0 ? undefined : 'fusermount3 missing: apt-get install fuse3')) : ns.reason);
const cleanups = cleanupsAfter();

const DEPTH = 3000;
const NAME = '\x01'.repeat(255);

const status = (socket: string, user?: User, json = true) => runCli(['status', ...(json ? ['--json'] : []), '--socket', socket], user ? { user } : {});

test("a user's FUSE mount moved under 3,000 nested 255-byte names: status, events and rechecks still work", { skip, timeout: 120_000 }, async () => {
  const user = ensureTestUser();
  const other = ensureOtherTestUser();
  const root = makeTempRoot('msm-ipc-deep-', '256m');
  cleanups.push(() => root.cleanup());
  openDevFuse(root.path);
  mountTmpfs(root.join('fine'));
  const home = root.join('u');
  for (const dir of [home, root.join('u', 'a'), root.join('u', 'a', 'mnt')]) {
    mkdirSync(dir);
    chownSync(dir, user.uid, user.gid);
  }
  const fuse = await startUserFuse(root.join('u', 'a', 'mnt'), user);
  cleanups.push(() => fuse.stop());

  const socket = root.join('run', 'helper.sock');
  const daemon = new DaemonProcess(['--interval', '1', '--timeout', '2', '--include', `${root.path}/**`, '--socket', socket, '--no-syslog']);
  cleanups.push(() => daemon.stop());
  await daemon.waitFor(/Checked \d+ mounts in/);
  const watcher = await connectHelper(socket, { timeoutMs: 10_000, clientName: 'test watcher' });
  cleanups.push(() => watcher.close());
  const events: MonitorEvent[] = [];
  watcher.onChange((e) => events.push(e));
  await sleep(200); // the subscription is in place

  // The attack, as the user: nest 3,000 directories (relative paths: each name is short) and move the
  // mount's parent to the bottom. The mount goes with it.
  const deepen = `
    const fs = require('node:fs');
    process.chdir(${JSON.stringify(home)});
    fs.mkdirSync('deep');
    process.chdir('deep');
    const name = ${JSON.stringify(NAME)};
    for (let i = 0; i < ${DEPTH}; i++) { fs.mkdirSync(name); process.chdir(name); }
    fs.renameSync(${JSON.stringify(root.join('u', 'a'))}, 'a');`;
  const [cmd, ...args] = asUser(user, [process.execPath, '-e', deepen]);
  const moved = spawnSync(cmd!, args, { encoding: 'utf8' });
  assert.equal(moved.status, 0, moved.stderr);
  const deepPath = `${home}/deep/${Array(DEPTH).fill(NAME).join('/')}/a/mnt`;
  const line = readFileSync('/proc/self/mountinfo', 'latin1').split('\n').find((l) => l.startsWith(`${fuse.mountId} `))!;
  console.log(`# the mount's mountinfo line: ${line.length} bytes; its path as JSON: ${Buffer.byteLength(JSON.stringify(deepPath))} bytes`);
  assert.ok(line.length > 768_000);
  assert.equal(listMounts().find((m) => m.id === fuse.mountId)?.mountpoint, deepPath);

  // The daemon sees it at its new path; status works for root and another user alike.
  const fullBytes = Buffer.byteLength(deepPath);
  type J = { mountpoint: string; state: string; truncated?: Record<string, number>; errno?: string };
  const monsterOf = (out: string) => (JSON.parse(out).mounts as J[]).find((m) => m.truncated?.mountpoint === fullBytes);
  let last: RunResult = { code: null, stdout: '', stderr: '', ms: 0 };
  const until = Date.now() + 20_000;
  while (Date.now() < until) {
    last = await status(socket);
    if (last.code !== 2 && monsterOf(last.stdout)) break;
    await sleep(300);
  }
  assert.notEqual(last.code, 2, `status as root: ${last.stderr}`);
  const monster = monsterOf(last.stdout)!;
  assert.ok(monster, `the deep mount is in the report: ${last.stdout.slice(0, 2000)}`);
  console.log(`# status --json as root: exit ${last.code}, ${last.stdout.length} bytes; the deep mount: ${monster.state} ${monster.errno ?? ''}, its path ${Buffer.byteLength(JSON.stringify(monster.mountpoint))} bytes of JSON`);
  assert.ok(Buffer.byteLength(JSON.stringify(monster.mountpoint)) <= MAX_WIRE_TEXT_BYTES);
  assert.match(monster.mountpoint, new RegExp(`^${home.replace(/[/.]/g, '\\$&')}/deep/\\x01+…\\[${fullBytes} bytes, sha256 [0-9a-f]{12}\\]…\\x01+/a/mnt$`));
  const fine = (JSON.parse(last.stdout).mounts as J[]).find((m) => m.mountpoint === root.join('fine'));
  assert.equal(fine?.state, 'ok', 'the other mounts are all there');
  const asOther = await status(socket, other);
  assert.notEqual(asOther.code, 2, `status as another user: ${asOther.stderr}`);
  assert.equal(monsterOf(asOther.stdout)?.mountpoint, monster.mountpoint, 'the same cut for every client');
  const table = await status(socket, undefined, false);
  assert.notEqual(table.code, 2, table.stderr);
  const row = table.stdout.split('\n').find((l) => l.includes('…['));
  assert.ok(row, table.stdout.slice(0, 2000));
  console.log(`# the table's row for it: ${row!.length} characters`);
  assert.ok(row!.length < 8 * MAX_WIRE_TEXT_BYTES, 'a row one can scroll past, not 3 MB of escapes');

  // Its events reached the subscriber, cut the same way, and a recheck may name it by what it was sent.
  await waitFor(() => events.some((e) => e.type === 'mount' && e.mount.mountpoint === monster.mountpoint), 10_000, 'an event about the deep mount');
  assert.ok(events.some((e) => e.type === 'removed' && e.mountpoint === root.join('u', 'a', 'mnt')), 'its old path was removed');
  const result = await watcher.recheck(monster.mountpoint);
  assert.deepEqual(result.started, [monster.mountpoint]);
  assert.doesNotMatch(daemon.stderr, /Could not send a monitor event|too-large|over the helper's frame limit/);
  // The log cuts the path the same way: syslog's 4 KiB line keeps the errno after it.
  const logLines = daemon.stderr.split('\n');
  const longest = Math.max(...logLines.map((l) => Buffer.byteLength(l)));
  console.log(`# the daemon's longest log line: ${longest} bytes`);
  assert.ok(longest < 4096, `a log line of ${longest} bytes`);
  const aboutIt = logLines.filter((l) => l.includes(`…[${fullBytes} bytes, sha256 `));
  assert.ok(aboutIt.length > 0, 'the deep mount is named in the log, cut');
  console.log(`# its log line: ${aboutIt[0]!.replace(/(\\001)+/g, '\\001…')}`);
  if (monster.errno) assert.ok(aboutIt.some((l) => l.includes(`: ${monster.errno}: `)), `the errno survives: ${aboutIt.join('\n').slice(0, 3000)}`);
  daemon.child.kill('SIGTERM');
  assert.equal((await daemon.exited()).code, 0);
});
