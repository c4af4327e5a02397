// The automounter as admins run it, on real NFS (in the lab guest, see test/lab/lab-suite): an indirect
// wildcard map of NFS homes (`* … SERVER:/export/home/&`) and a direct map, served by the guest's own NFS
// server, with the real `mountstatus daemon` sweeping every second. What users and admins must see: no
// key is mounted that nobody touched; an idle automounted home expires; a home in use is probed, and its
// server's death is reported; a lookup during the outage (which fails) is not reported as anything else;
// a killed automount daemon is reported.
//
// `nobind` in every entry: with a local server, autofs would otherwise bind-mount the exported directory
// and no NFS would be involved (autofs(5), "nobind"). timeo=10,retrans=2: the kernel says "not
// responding" 3 s into an outage instead of minutes; the helper's verdict does not depend on it.
// Times under the lab's software emulation: a CLI call 2-5 s, the daemon 7-9 s to start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, chmodSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { kernelLacks, privateMountNamespace, skipOrFail } from '../support/namespace.js';
import { autofsUnavailable, startAutomount, waitFor, type Automount } from '../support/automount.js';
import { scaled } from '../support/slowdown.js';
import { nfsServerUnavailable, startNfsServer, type NfsServer } from '../support/lab-nfs.js';
import { DaemonProcess } from '../helper/cli/cli-harness.js';
import { Follower } from '../helper/cli/follow-client.js';
import { cleanupsAfter } from '../support/cleanups.js';

const ns = privateMountNamespace(import.meta.url);
const skip = skipOrFail(ns.canMount ? nfsServerUnavailable() : ns.reason) || kernelLacks(autofsUnavailable());
const run = promisify(execFile);
const OPTIONS = 'nobind,vers=4.2,hard,timeo=10,retrans=2';
/**
 * The map's idle timeout, seconds: long enough that a home mounted between two of the helper's sweeps is
 * still there at the next one, which under the lab's emulation comes seconds later.
 */
const EXPIRE_S = 15;

const cleanups = cleanupsAfter();

interface World {
  nfs: NfsServer;
  am: Automount;
  direct: string;
  helper: DaemonProcess;
  follow: Follower;
}
let world: World | undefined;

async function setUp(): Promise<World> {
  if (world) return world;
  const nfs = startNfsServer();
  cleanups.push(() => nfs.stop());
  const homes = nfs.exportDir('home');
  for (const user of ['alice', 'bob', 'carol', 'dave']) {
    mkdirSync(join(homes, user));
    writeFileSync(join(homes, user, '.profile'), `# ${user}\n`);
  }
  const data = nfs.exportDir('data');
  const base = mkdtempSync(join(tmpdir(), 'msm-nfs-automount-'));
  cleanups.push(() => rmSync(base, { recursive: true, force: true }));
  const direct = join(base, 'data');
  const am = await startAutomount({
    timeout: EXPIRE_S,
    entries: { '*': `-fstype=nfs,${OPTIONS} 127.0.0.1:${homes}/&` },
    direct: { [direct]: `-fstype=nfs,${OPTIONS} 127.0.0.1:${data}` },
  });
  cleanups.push(() => am.stop());
  const runDir = join(base, 'run');
  mkdirSync(runDir);
  chmodSync(runDir, 0o755);
  const socket = join(runDir, 'helper.sock');
  const helper = new DaemonProcess(['--interval', '1', '--timeout', '5', '--include', `${am.mnt}/**`, '--include', am.mnt, '--include', direct, '--socket', socket, '--no-syslog']);
  cleanups.push(() => helper.stop());
  await helper.waitFor(/Checked \d+ mounts? in/, 60_000);
  const follow = new Follower(socket);
  cleanups.push(() => follow.stop());
  world = { nfs, am, direct, helper, follow };
  return world;
}

/** The real (NFS) mount on a direct map's path: the one whose parent is the autofs mount there. */
function directMount(am: Automount, path: string) {
  const table = am.entries();
  const trigger = table.find((e) => e.fstype === 'autofs' && e.mountpoint === path);
  return trigger && table.find((e) => e.parentId === trigger.mountId && e.mountpoint === path);
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const sweeps = (helper: DaemonProcess) => helper.count(/^.*Checked \d+ mounts? in/);

test('a lookup mounts the user\'s home over NFS (not a bind mount), and a key nobody touched is never mounted while the helper sweeps every second', { skip, timeout: scaled(180_000) }, async () => {
  const { am, helper, follow } = await setUp();
  const alice = await am.trigger('alice');
  assert.equal(alice.fstype, 'nfs4', `an NFS mount, not a bind mount of the export: ${JSON.stringify(alice)}`);
  assert.match(alice.source, /^127\.0\.0\.1:\/srv\/msm-nfs-\d+\/home\/alice$/);
  const trigger = (await follow.waitFor((m) => m.mountpoint === am.mnt, 30_000)).mount;
  assert.equal(trigger.state, 'idle', `the autofs trigger is shown, never probed: ${JSON.stringify(trigger)}`);
  const from = sweeps(helper);
  await waitFor('five more sweeps', () => sweeps(helper) >= from + 5, 60_000, 200);
  for (const key of ['carol', 'dave']) assert.equal(am.mountOf(key), undefined, `${key} was never looked up, and is not mounted`);
  assert.equal(directMount(am, (await setUp()).direct), undefined, 'the direct map\'s path was never looked up, and is not mounted');
});

test('idle automounted NFS (a home and a direct map\'s path) expires while the helper sweeps every second', { skip, timeout: scaled(180_000) }, async () => {
  const { am, direct, helper, follow } = await setUp();
  await am.trigger('alice');
  await run('ls', [direct], { timeout: 60_000 });
  const data = await waitFor('the direct map\'s NFS mount', () => directMount(am, direct), 30_000);
  assert.equal(data.fstype, 'nfs4');
  const mark = follow.lines.length;
  await follow.waitFor((m) => m.mountpoint === direct && m.state === 'idle' && (m.automount as { role?: string } | undefined)?.role === 'automounted', 30_000, mark);
  const started = Date.now();
  const from = sweeps(helper);
  // autofs expires after the timeout, checking every timeout/4 (automount(8)); bound for the emulation.
  await waitFor('both to expire', () => am.mountOf('alice') === undefined && directMount(am, direct) === undefined, 60_000, 100);
  const took = Date.now() - started;
  console.log(`# idle NFS automounts expired ${took} ms after being seen idle (map timeout ${EXPIRE_S} s), over ${sweeps(helper) - from} sweeps`);
  assert.ok(sweeps(helper) - from >= 2, `the helper swept all along (${sweeps(helper) - from} sweeps):\n${helper.stderr.slice(-3000)}`);
});

test('a home in use is probed, its server\'s death is reported, and a lookup during the outage is not misreported', { skip, timeout: scaled(300_000) }, async () => {
  const { nfs, am, helper, follow } = await setUp();
  const bob = await am.trigger('bob');
  const shell = am.spawnInside('exec sleep 600', bob.mountpoint);
  cleanups.push(() => void shell.kill('SIGKILL'));
  const probed = await follow.waitFor((m) => m.mountpoint === bob.mountpoint && m.state === 'ok' && (m.automount as { busy?: boolean } | undefined)?.busy === true, 30_000);
  assert.equal(typeof probed.mount.latencyMs, 'number', 'a busy automount is probed');

  const mark = follow.lines.length;
  const cutAt = Date.now();
  nfs.cut();
  const slow = await follow.waitFor((m) => m.mountpoint === bob.mountpoint && m.state === 'slow', 30_000, mark);
  const hung = await follow.waitFor((m) => m.mountpoint === bob.mountpoint && m.state === 'hung', 60_000, mark);
  console.log(`# the automounted home was slow ${slow.at - cutAt} ms and hung ${hung.at - cutAt} ms after its server was cut (--timeout 5)`);
  await helper.waitFor(new RegExp(`Mountpoint ${escape(bob.mountpoint)} is not responding: no answer within 5 seconds`), 30_000);
  // The kernel's own line (timeo=10,retrans=2: about 3 s after a request went unanswered), told by server.
  await helper.waitFor(/Kernel reports server 127\.0\.0\.1 not responding: probing its \d+ mounts? now/, 60_000);

  // A user logs in during the outage: the lookup of their home fails (the mount cannot be made), and
  // nothing else is reported for it: no mount, the trigger still fine, its daemon alive.
  const lookup = await run('ls', [join(am.mnt, 'dave')], { timeout: 120_000 }).then(
    () => 'listed',
    (e: { code?: unknown; stderr?: string }) => `failed: ${e.stderr ?? e.code}`,
  );
  assert.match(lookup, /^failed: .*No such file or directory/, 'the lookup fails while the server is cut');
  assert.equal(am.mountOf('dave'), undefined);
  const from = sweeps(helper);
  await waitFor('two more sweeps', () => sweeps(helper) >= from + 2, 30_000, 200);
  const trigger = follow.latest(am.mnt);
  assert.equal(trigger?.state, 'idle', `the autofs trigger is not blamed for the failed lookup: ${JSON.stringify(trigger)}`);
  assert.notEqual((trigger?.automount as { daemonAlive?: boolean } | undefined)?.daemonAlive, false);
  assert.equal(follow.lines.filter((l) => l.mount.mountpoint === join(am.mnt, 'dave')).length, 0, 'no status for a home that was never mounted');
  assert.doesNotMatch(helper.stderr, /automount daemon .* is gone/);

  const restoredAt = Date.now();
  nfs.restore();
  const back = await follow.waitFor((m) => m.mountpoint === bob.mountpoint && m.state === 'ok', 120_000, follow.lines.length);
  console.log(`# back ok ${back.at - restoredAt} ms after the server came back`);
  shell.kill('SIGKILL');
});

test('a killed automount daemon is reported, for the indirect and the direct map', { skip, timeout: scaled(120_000) }, async () => {
  const { am, direct, helper, follow } = await setUp();
  const mark = follow.lines.length;
  process.kill(am.pid, 'SIGKILL');
  await waitFor('the automount daemon to be gone', () => !am.alive(), 10_000);
  for (const point of [am.mnt, direct]) {
    const dead = await follow.waitFor((m) => m.mountpoint === point && (m.automount as { daemonAlive?: boolean } | undefined)?.daemonAlive === false, 30_000, mark);
    assert.equal(dead.mount.state, 'error', JSON.stringify(dead.mount));
    await helper.waitFor(new RegExp(`automount daemon \\(pgrp ${am.pid}\\) is gone.*: new accesses under ${escape(point)} `), 30_000);
  }
});
