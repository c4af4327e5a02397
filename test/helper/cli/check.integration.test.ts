// `mountstatus check` as a real process over real mounts in a private mount namespace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { privateMountNamespace, skipOrFail } from '../../support/namespace.js';
import { ensureTestUser } from '../../support/test-user.js';
import { runCli } from './cli-harness.js';
import { startFuseFixture } from '../../support/fuse-fixture.js';
import { detach, mountTmpfs, startBindfs, stopBindfs, tempRoot } from './fs-fixtures.js';
import { rsyslogUnavailable, startRsyslog } from '../../support/rsyslog.js';
import { cleanupsAfter } from '../../support/cleanups.js';

const ns = privateMountNamespace(import.meta.url);
const skip = skipOrFail(ns.canMount ? undefined : ns.reason);
const cleanups = cleanupsAfter();

interface Json {
  checked: number;
  dead: number;
  seconds: number;
  mounts: { mountpoint: string; state: string; errno?: string; message?: string; latencyMs?: number; fstype: string; source: string }[];
}

test('healthy tmpfs mounts, odd names: exit 0, every mount listed once, JSON as documented', { skip }, async () => {
  const root = tempRoot('msm-check-ok-');
  const names = ['plain', 'with space', 'tab\there', 'new\nline', 'back\\slash', 'ütf8-名前'];
  for (const n of names) mountTmpfs(join(root, n));
  const r = await runCli(['check', '--json', '--include', `${root}/**`]);
  assert.equal(r.code, 0, r.stderr);
  const json = JSON.parse(r.stdout) as Json;
  assert.equal(json.checked, names.length);
  assert.equal(json.dead, 0);
  assert.equal(typeof json.seconds, 'number');
  assert.deepEqual(json.mounts.map((m) => m.mountpoint).sort(), names.map((n) => join(root, n)).sort());
  for (const m of json.mounts) {
    assert.equal(m.state, 'ok');
    assert.equal(m.fstype, 'tmpfs');
    assert.equal(typeof m.latencyMs, 'number');
  }
  const table = await runCli(['check', '--include', `${root}/**`]);
  assert.equal(table.code, 0);
  assert.match(table.stdout, /new\\012line/, 'control characters are escaped in the table');
  assert.match(table.stdout, /Checked 6 mounts in [0-9.]+ seconds: 0 dead/);
});

test('a frozen FUSE mount is hung within the timeout, the others still ok; exit 1', { skip }, async () => {
  const root = tempRoot('msm-check-hung-');
  mountTmpfs(join(root, 'fine'));
  const bindfs = await startBindfs(join(root, 'src'), join(root, 'frozen'));
  cleanups.push(() => stopBindfs(bindfs, join(root, 'frozen')));
  bindfs.kill('SIGSTOP');
  const r = await runCli(['check', '--json', '--timeout', '1', '--include', `${root}/**`]);
  assert.equal(r.code, 1, r.stderr);
  const json = JSON.parse(r.stdout) as Json;
  const byPath = new Map(json.mounts.map((m) => [m.mountpoint, m]));
  assert.equal(byPath.get(join(root, 'frozen'))?.state, 'hung');
  assert.equal(byPath.get(join(root, 'fine'))?.state, 'ok');
  assert.equal(json.dead, 1);
  assert.ok(json.seconds < 1.5, `sweep took ${json.seconds} s with a 1 s timeout`);
});

test('a probe stuck in D state (request held by the FUSE daemon) does not hold up check', { skip }, async () => {
  const root = tempRoot('msm-check-held-');
  const mnt = join(root, 'held');
  mkdirSync(mnt);
  const fuse = await startFuseFixture(mnt, { mode: 'hang' });
  cleanups.push(() => void fuse.stop());
  const r = await runCli(['check', '--json', '--timeout', '1', '--include', `${root}/**`]);
  assert.equal(r.code, 1);
  assert.equal((JSON.parse(r.stdout) as Json).mounts[0]?.state, 'hung');
  console.log(`# check with a held request: ${r.ms} ms for a 1 s timeout`);
  assert.ok(r.ms < 4000, `check took ${r.ms} ms`);
});

test('a FUSE mount whose daemon died is error ENOTCONN', { skip }, async () => {
  const root = tempRoot('msm-check-dead-');
  const bindfs = await startBindfs(join(root, 'src'), join(root, 'gone'));
  bindfs.kill('SIGKILL');
  await new Promise((r) => bindfs.once('exit', r));
  cleanups.push(() => detach(join(root, 'gone')));
  const r = await runCli(['check', '--json', '--include', `${root}/**`]);
  assert.equal(r.code, 1);
  const m = (JSON.parse(r.stdout) as Json).mounts.find((x) => x.mountpoint === join(root, 'gone'));
  assert.equal(m?.state, 'error');
  assert.equal(m?.errno, 'ENOTCONN');
});

test("mode-000 root-owned mountpoint: the seed's \"does not allow access\"; a 0700 user mount is listed as its owner", { skip }, async () => {
  const root = tempRoot('msm-check-perm-');
  const user = ensureTestUser();
  chmodSync(root, 0o755); // the owner must be able to reach its mountpoint
  mountTmpfs(join(root, 'closed'), 'size=1m,mode=000');
  mountTmpfs(join(root, 'private'), `size=1m,mode=700,uid=${user.uid},gid=${user.gid}`);
  mkdirSync(join(root, 'private', 'inside'));
  const r = await runCli(['check', '--json', '--include', `${root}/**`]);
  assert.equal(r.code, 1);
  const byPath = new Map((JSON.parse(r.stdout) as Json).mounts.map((m) => [m.mountpoint, m]));
  assert.equal(byPath.get(join(root, 'closed'))?.state, 'denied');
  assert.equal(byPath.get(join(root, 'closed'))?.message, 'mode 000 does not allow access');
  assert.equal(byPath.get(join(root, 'private'))?.state, 'ok');

  // Unprivileged, the same command says it cannot switch owner and checks what it can see.
  const asUser = await runCli(['check', '--json', '--include', `${root}/**`], { uid: user.uid, gid: user.gid });
  assert.match(asUser.stderr, /cannot switch to each mountpoint's owner/);
  const userView = new Map((JSON.parse(asUser.stdout) as Json).mounts.map((m) => [m.mountpoint, m]));
  assert.equal(userView.get(join(root, 'private'))?.state, 'ok');
  assert.equal(userView.get(join(root, 'closed'))?.state, 'denied');
});

test('check --syslog: the sweep\'s lines reach syslog even when check is done before logger has connected', { skip: skip || skipOrFail(rsyslogUnavailable()) }, async () => {
  const root = tempRoot('msm-check-syslog-');
  mountTmpfs(join(root, 'one'));
  const rs = await startRsyslog();
  try {
    const r = await runCli(['check', '--syslog', '--syslog-socket', rs.socketPath, '--include', `${root}/**`]);
    assert.equal(r.code, 0, r.stderr);
    // The original's words for a sweep of one mount: plural, as admins' patterns expect.
    await rs.waitForLine(/^daemon\.info MountStatusMonitor\[\d+\]: Checked 1 mounts in [0-9]+ seconds$/);
    assert.doesNotMatch(r.stderr, /Checked|Syslog/, 'nothing on stderr while syslog takes the lines');
  } finally {
    await rs.stop();
  }
});

test('check --syslog with no syslog at that socket: exit as the mounts say, the lines on stderr, and why', { skip }, async () => {
  const root = tempRoot('msm-check-nosyslog-');
  mountTmpfs(join(root, 'one'));
  const r = await runCli(['check', '--syslog', '--syslog-socket', '/nonexistent/log', '--include', `${root}/**`]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Checked 1 mount in [0-9.]+ seconds: 0 dead/, 'the table says "1 mount": it is the CLI\'s own words');
  assert.match(r.stderr, /^MountStatusMonitor\[\d+\]: warning: Syslog unavailable: socket \/nonexistent\/log: No such file or directory; /m);
  assert.match(r.stderr, /^MountStatusMonitor\[\d+\]: info: Checked 1 mounts in [0-9]+ seconds$/m);
  assert.match(
    r.stderr,
    /^MountStatusMonitor\[\d+\]: warning: Syslog was unavailable \(socket \/nonexistent\/log: No such file or directory\): 1 log message went to standard error only$/m,
  );
});

test('usage errors exit 2 with a clear message', async () => {
  for (const args of [['check', '--timeout', 'soon'], ['check', '--bogus'], ['frobnicate'], ['check', 'extra']]) {
    const r = await runCli(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr, /mountstatus/);
    assert.equal(r.stdout, '');
  }
  const bad = await runCli(['check', '--config', '/nonexistent/msm.conf']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /cannot read config file \/nonexistent\/msm.conf/);
});

test('1,000 tmpfs mounts in one sweep; the whole JSON reaches a slow reader', { skip }, async () => {
  const root = tempRoot('msm-check-1000-');
  for (let i = 0; i < 1000; i++) mountTmpfs(join(root, String(i)), 'size=64k');
  const r = await runCli(['check', '--json', '--include', `${root}/*`], { timeoutMs: 60_000, slowReaderMs: 1000 });
  assert.equal(r.code, 0, r.stderr);
  const json = JSON.parse(r.stdout) as Json;
  assert.equal(json.checked, 1000);
  assert.ok(json.mounts.every((m) => m.state === 'ok'));
  console.log(`# 1,000 mounts: sweep ${json.seconds} s, whole command ${r.ms} ms`);
});
