// The helper .deb under a live systemd: `npm run dist:helper`'s package, checked by lintian,
// installed with apt into a booted Debian 12 (systemd-nspawn; test/support/nspawn.ts), then: the service
// runs in PID 1's mount namespace, answers `mountstatus status`, logs each sweep once in the journal,
// reloads (and refuses a bad config), is restarted after SIGKILL, stops with nothing left in its cgroup,
// upgrades (restarting only if it was running, keeping the admin's config), is removed and purged.
// What a container cannot show (the kernel's messages through /dev/kmsg, autofs, a dead NFS mount at
// `systemctl stop`) is checked with the same package in the lab guest: test/lab/helper-service.lab.test.ts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { privateMountNamespace, skipOrFail } from '../support/namespace.js';
import { bootContainer, HOST_DIR, nspawnUnavailable, systemdTestTree, type Container } from '../support/nspawn.js';
import { have, removeTree, ROOT, run, tempDir } from './build-tools.js';
import { UNMOUNT_PROGRAM } from '../../src/helper/recovery/unmount-child.js';
import { NFS_SHUTDOWN_PROGRAM } from '../../src/helper/recovery/nfs-shutdown-child.js';
import { setTimeout as sleep } from 'node:timers/promises';

const ns = privateMountNamespace(import.meta.url);
const skip = skipOrFail(
  ns.canMount ? (nspawnUnavailable() ?? (have('dpkg-deb') && have('lintian') ? undefined : 'needs dpkg-deb and lintian (apt packages dpkg-dev, lintian)')) : ns.reason,
);

const UNIT = 'mount-status-monitor';
const CONF = '/etc/mount-status-monitor.conf';
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const NEWER = `${VERSION}+live2`;
const arch = () => run('dpkg', ['--print-architecture']).stdout.trim();
const debName = (version: string) => `mount-status-monitor-helper_${version}_${arch()}.deb`;
/** The admin's edit: sweeps every `seconds`, applied with `systemctl reload`. */
const sweepEvery = (seconds: number) => `sed -i 's/^interval = .*/interval = ${seconds}/' ${CONF} && systemctl reload ${UNIT}`;

let out = '';
let c: Container;

function buildDeb(version?: string): void {
  const started = Date.now();
  const r = run(process.execPath, [join(ROOT, 'build/deb/dist-helper.js'), '--out', out, ...(version ? ['--version', version] : [])], { timeoutMs: 600_000 });
  assert.equal(r.code, 0, r.stderr);
  console.log(`# built ${r.stdout.trim().split('/').pop()} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

before(async () => {
  if (skip) return;
  out = tempDir('msm-pkg-live-');
  buildDeb();
  buildDeb(NEWER);
  const tree = systemdTestTree();
  const started = Date.now();
  c = await bootContainer(tree, out, `msm-pkg-${process.pid}`);
  console.log(`# container booted in ${Date.now() - started} ms`);
});

after(async () => {
  if (c) await c.stop();
  if (out) removeTree(out);
});

async function ok(script: string, timeoutMs?: number): Promise<string> {
  const r = await c.sh(script, timeoutMs);
  assert.equal(r.code, 0, `${script}\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

const show = async (prop: string) => (await ok(`systemctl show -p ${prop} --value ${UNIT}`)).trim();

interface JournalEntry {
  MESSAGE: string;
  PRIORITY: string;
  SYSLOG_IDENTIFIER?: string;
  _PID: string;
  __REALTIME_TIMESTAMP: string;
}

/** The unit's journal entries since `sinceUs` (microseconds, CLOCK_REALTIME). */
async function journal(sinceUs = 0): Promise<JournalEntry[]> {
  const text = await ok(`journalctl -u ${UNIT} -o json --no-pager`);
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as JournalEntry)
    .filter((e) => typeof e.MESSAGE === 'string' && Number(e.__REALTIME_TIMESTAMP) >= sinceUs);
}

async function waitJournal(pattern: RegExp, sinceUs: number, timeoutMs = 30_000): Promise<JournalEntry> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const hit = (await journal(sinceUs)).find((e) => pattern.test(e.MESSAGE));
    if (hit) return hit;
    if (Date.now() > end) assert.fail(`no journal line ${pattern} within ${timeoutMs} ms:\n${(await journal(sinceUs)).map((e) => e.MESSAGE).join('\n')}`);
    await sleep(250);
  }
}

async function waitFor(what: string, fn: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

/** PID, command name and mount namespace of every process in the unit's cgroup (inside the container). */
async function serviceProcesses(): Promise<{ pid: number; comm: string; mnt: string }[]> {
  const cgroup = await show('ControlGroup');
  if (cgroup === '') return [];
  const text = await ok(
    `for f in /sys/fs/cgroup/systemd${cgroup}/cgroup.procs /sys/fs/cgroup/unified${cgroup}/cgroup.procs /sys/fs/cgroup${cgroup}/cgroup.procs; do ` +
      `[ -f "$f" ] && { for p in $(cat "$f"); do echo "$p $(cat /proc/$p/comm) $(readlink /proc/$p/ns/mnt)"; done; break; }; done; true`,
  );
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const [pid, comm, mnt] = l.split(' ');
      return { pid: Number(pid), comm: comm!, mnt: mnt! };
    });
}

const nowUs = () => Date.now() * 1000;

test('the package is lintian-clean: no errors, and only the overrides it explains', { skip }, () => {
  const r = run('lintian', ['--display-level', '>=warning', '--show-overrides', join(out, debName(VERSION))], { timeoutMs: 300_000 });
  const tags = r.stdout.split('\n').filter((l) => /^[EWO]: /.test(l));
  console.log(tags.map((t) => `# lintian ${t}`).join('\n'));
  assert.deepEqual(tags.filter((t) => t.startsWith('E: ')), [], r.stdout + r.stderr);
  // The one override: Node's own build links its zlib statically (build/deb/lintian-overrides).
  assert.deepEqual(tags.filter((t) => t.startsWith('O: ')).map((t) => t.replace(/^O: \S+ /, '')), ['embedded-library zlib [usr/lib/mount-status-monitor/node/bin/node]']);
});

test('the package carries every native program the helper runs: the prober, the unmount and the NFS shutdown', { skip }, () => {
  const x = join(out, 'x-programs');
  assert.equal(run('dpkg-deb', ['-x', join(out, debName(VERSION)), x]).code, 0);
  for (const program of ['msm-prober', basename(UNMOUNT_PROGRAM), basename(NFS_SHUTDOWN_PROGRAM)]) {
    const packaged = join(x, 'usr/lib/mount-status-monitor/dist/native', program);
    assert.equal(statSync(packaged).mode & 0o777, 0o755, `${program} is executable`);
    // Each answers as built: the prober with its banner, the others with their usage (exit 2).
    const r = run(packaged, []);
    assert.match(r.stdout + r.stderr, program === 'msm-prober' ? /^V \d+ \d+/ : /^usage: /, program);
  }
});

test('the package carries Node 24, and the peercred addon built against its headers loads in it', { skip }, () => {
  const x = join(out, 'x');
  assert.equal(run('dpkg-deb', ['-x', join(out, debName(VERSION)), x]).code, 0);
  const lib = join(x, 'usr/lib/mount-status-monitor');
  const node = join(lib, 'node/bin/node');
  // The packaged peer.js, on the carried Node, reading a real connection's credentials through the addon.
  const script = `
    import { createServer, connect } from 'node:net';
    const { peerCredentials } = await import(${JSON.stringify(join(lib, 'dist/src/helper/ipc/peer.js'))});
    const path = ${JSON.stringify(join(out, 'peer.sock'))};
    let client;
    const server = createServer((s) => { console.log(JSON.stringify({ version: process.version, pid: process.pid, peer: peerCredentials(s) })); s.destroy(); server.close(); client.destroy(); });
    server.listen(path, () => { client = connect(path); });`;
  const r = run(node, ['--input-type=module', '-e', script]);
  assert.equal(r.code, 0, r.stderr);
  const seen = JSON.parse(r.stdout) as { version: string; pid: number; peer: { uid: number; pid: number } };
  assert.match(seen.version, /^v24\./);
  assert.deepEqual([seen.peer.uid, seen.peer.pid], [process.getuid!(), seen.pid]);
  assert.equal(run(node, ['--version']).stdout.trim(), `v${(JSON.parse(readFileSync(join(ROOT, 'build/deb/node-runtime.json'), 'utf8')) as { version: string }).version}`);
  const control = run('dpkg-deb', ['-f', join(out, debName(VERSION))]).stdout;
  assert.match(control, /^Depends: .*libc6/m);
  assert.equal(run('dpkg-deb', ['--ctrl-tarfile', join(out, debName(VERSION))]).code, 0);
  assert.match(run('sh', ['-c', `dpkg-deb -I ${JSON.stringify(join(out, debName(VERSION)))} conffiles`]).stdout, /^\/etc\/mount-status-monitor\.conf$/m);
  removeTree(x);
});

test('apt installs it; the service is enabled and active, in PID 1\'s mount namespace with its prober', { skip }, async () => {
  const started = Date.now();
  await ok(`cd ${HOST_DIR} && DEBIAN_FRONTEND=noninteractive apt install -y ./${debName(VERSION)}`, 300_000);
  console.log(`# apt install took ${Date.now() - started} ms`);
  assert.equal((await c.sh(`systemctl is-enabled ${UNIT}`)).stdout.trim(), 'enabled');
  // The unit as installed, with its Documentation=man:mountstatus(8) found.
  const verify = await c.sh(`systemd-analyze verify /lib/systemd/system/${UNIT}.service`);
  assert.equal(verify.code, 0, verify.stdout + verify.stderr);
  await waitFor('the service to be active', async () => (await c.sh(`systemctl is-active ${UNIT}`)).stdout.trim() === 'active');
  await waitJournal(/^Checked \d+ mounts in \d+ seconds/, 0);
  const init = (await ok('readlink /proc/1/ns/mnt')).trim();
  const procs = await serviceProcesses();
  const main = Number(await show('MainPID'));
  assert.ok(procs.some((p) => p.pid === main), JSON.stringify(procs));
  assert.ok(procs.some((p) => p.comm === 'msm-prober'), `the prober runs: ${JSON.stringify(procs)}`);
  for (const p of procs) assert.equal(p.mnt, init, `${p.comm} (${p.pid}) is in PID 1's mount namespace`);
  // No logger(1) child: under the journal the daemon writes one path only (stderr).
  assert.ok(!procs.some((p) => p.comm === 'logger'), JSON.stringify(procs));
  const messages = (await journal()).map((e) => e.MESSAGE);
  assert.ok(!messages.some((m) => /Running in mount namespace|Cannot serve/.test(m)), messages.join('\n'));
  // nspawn gives a container no /dev/kmsg; where it has one, the unit must let the helper read it.
  const kmsg = (await c.sh('test -c /dev/kmsg')).code === 0;
  const kmsgLine = messages.find((m) => m.startsWith('Not following kernel messages'));
  if (kmsg) assert.equal(kmsgLine, undefined);
  else assert.equal(kmsgLine, 'Not following kernel messages (/dev/kmsg: ENOENT): servers not responding are noticed at the next sweep');
  // Accounting needs cgroup controllers the container may not be given (then systemd says "[not set]").
  console.log(`# service MemoryCurrent=${await show('MemoryCurrent')} TasksCurrent=${await show('TasksCurrent')}`);
});

test('`mountstatus status` answers inside (the IPC socket, peer credentials through the addon in Node 24)', { skip }, async () => {
  const r = await c.sh('mountstatus status --json');
  assert.ok(r.code === 0 || r.code === 1, r.stderr);
  const report = JSON.parse(r.stdout) as { checked: number; mounts: { mountpoint: string }[] };
  assert.ok(report.checked > 0);
  assert.ok(report.mounts.some((m) => m.mountpoint === '/'), r.stdout);
  const table = await c.sh('mountstatus status');
  assert.match(table.stdout, /\//);
  assert.match(await ok('man -w mountstatus'), /\/usr\/share\/man\/man8\/mountstatus\.8\.gz/);
});

test('the journal holds each sweep\'s `Checked N mounts in S seconds` once, with ident, priority and PID; reload applies a good config', { skip }, async () => {
  const since = nowUs();
  await ok(sweepEvery(2));
  await waitJournal(/^Reloaded \/etc\/mount-status-monitor\.conf: checking mounts every 2 seconds \(watched ones every 1 second\), slow after 1\.5 seconds, timeout 10 seconds$/, since);
  const from = nowUs();
  await sleep(9000);
  const main = await show('MainPID');
  const sweeps = (await journal(from)).filter((e) => /^Checked \d+ mounts in \d+ seconds/.test(e.MESSAGE));
  console.log(`# ${sweeps.length} sweep lines in 9 s at interval 2 s`);
  assert.ok(sweeps.length >= 3 && sweeps.length <= 6, sweeps.map((e) => `${e.__REALTIME_TIMESTAMP} ${e.MESSAGE}`).join('\n'));
  for (let i = 1; i < sweeps.length; i++) {
    const gap = (Number(sweeps[i]!.__REALTIME_TIMESTAMP) - Number(sweeps[i - 1]!.__REALTIME_TIMESTAMP)) / 1e6;
    assert.ok(gap > 1, `two lines ${gap} s apart: one sweep logged twice?`);
  }
  for (const e of sweeps) {
    assert.equal(e.SYSLOG_IDENTIFIER, 'MountStatusMonitor');
    assert.equal(e.PRIORITY, '6', 'info, from the <6> prefix');
    assert.equal(e._PID, main);
  }
});

test('a bad config is refused on reload and logged; the service keeps its settings and its PID', { skip }, async () => {
  const main = await show('MainPID');
  const since = nowUs();
  await ok(`cp ${CONF} /root/conf.good && echo 'interval = banana' >> ${CONF} && systemctl reload ${UNIT}`);
  const line = await waitJournal(/^Kept the previous settings: \/etc\/mount-status-monitor\.conf:\d+: /, since);
  assert.equal(line.PRIORITY, '4');
  assert.equal((await c.sh(`systemctl is-active ${UNIT}`)).stdout.trim(), 'active');
  assert.equal(await show('MainPID'), main);
  await ok(`cp /root/conf.good ${CONF}`);
});

test('SIGKILL of the main process gets it restarted', { skip }, async () => {
  const main = await show('MainPID');
  await ok(`kill -KILL ${main}`);
  await waitFor('a new main process', async () => {
    const now = await show('MainPID');
    return now !== '0' && now !== main && (await c.sh(`systemctl is-active ${UNIT}`)).stdout.trim() === 'active';
  });
  assert.equal(await show('NRestarts'), '1');
});

test('with a unit drop-in that sets ProtectSystem=, the helper warns that it is not in PID 1\'s mount namespace', { skip }, async () => {
  const since = nowUs();
  await ok(
    `mkdir -p /etc/systemd/system/${UNIT}.service.d && printf '[Service]\\nProtectSystem=strict\\n' > /etc/systemd/system/${UNIT}.service.d/msm-test.conf && ` +
      `systemctl daemon-reload && systemctl restart ${UNIT}`,
  );
  const line = await waitJournal(/^Running in mount namespace mnt:\[\d+\], not init's mnt:\[\d+\]: /, since);
  assert.equal(line.PRIORITY, '4');
  await ok(`rm /etc/systemd/system/${UNIT}.service.d/msm-test.conf && systemctl daemon-reload && systemctl restart ${UNIT}`);
  // The example drop-in adds IPv4 and IPv6 to the unit's AF_UNIX (assignments are merged).
  await ok(`cp /usr/share/doc/mount-status-monitor-helper/examples/network.conf /etc/systemd/system/${UNIT}.service.d/ && systemctl daemon-reload`);
  assert.deepEqual((await show('RestrictAddressFamilies')).split(' ').sort(), ['AF_INET', 'AF_INET6', 'AF_UNIX']);
  await ok(`rm /etc/systemd/system/${UNIT}.service.d/network.conf && systemctl daemon-reload`);
  assert.equal(await show('RestrictAddressFamilies'), 'AF_UNIX');
});

test('every option the unit\'s comment names as namespacing does give a private mount namespace, and the unit sets none', { skip }, async () => {
  const unit = readFileSync(join(ROOT, 'build/service/mount-status-monitor.service'), 'utf8');
  const claim = /Measured in a[\s\S]*?each put the service/.exec(unit)?.[0].replace(/^#\s*/gm, ' ') ?? '';
  const options = [...claim.matchAll(/\b([A-Z][A-Za-z]+)=/g)].map((m) => m[1]!);
  assert.ok(options.length >= 15, claim);
  const values: Record<string, string> = { ProtectSystem: 'strict', ProtectProc: 'invisible', ProcSubset: 'pid', ReadWritePaths: '/var', ExecPaths: '/usr', ReadOnlyPaths: '/usr', BindReadOnlyPaths: '/usr', InaccessiblePaths: '/srv', NoExecPaths: '/srv', TemporaryFileSystem: '/srv' };
  const init = (await ok('readlink /proc/1/ns/mnt')).trim();
  for (const option of options) {
    const ns = (await ok(`systemd-run --wait --pipe --quiet -p ${option}=${values[option] ?? 'yes'} readlink /proc/self/ns/mnt`)).trim();
    assert.notEqual(ns, init, `${option}= gives a private mount namespace`);
  }
  const settings = unit.split('\n').filter((l) => /^[A-Za-z]+=/.test(l)).map((l) => l.slice(0, l.indexOf('=')));
  for (const option of [...options, 'ProtectHostname', 'ProtectClock', 'PrivateNetwork', 'PrivateUsers', 'RootDirectory']) {
    assert.ok(!settings.includes(option), `the unit sets ${option}=`);
  }
});

test('an upgrade restarts a running service onto the new build, keeps the edited config, and leaves a stopped one stopped', { skip }, async () => {
  // The admin's edit.
  await ok(sweepEvery(1));
  const before = await show('MainPID');
  await ok(`cd ${HOST_DIR} && DEBIAN_FRONTEND=noninteractive apt install -y ./${debName(NEWER)}`, 300_000);
  assert.equal((await ok("dpkg-query -W -f '${Version}' mount-status-monitor-helper")).trim(), NEWER);
  await waitFor('the upgraded service', async () => (await c.sh(`systemctl is-active ${UNIT}`)).stdout.trim() === 'active');
  assert.notEqual(await show('MainPID'), before, 'restarted onto the new files');
  assert.match(await ok(`cat ${CONF}`), /^interval = 1$/m, 'the admin\'s config is kept');
  await ok(`systemctl stop ${UNIT}`);
  await ok(`cd ${HOST_DIR} && DEBIAN_FRONTEND=noninteractive apt install -y --reinstall ./${debName(NEWER)}`, 300_000);
  assert.equal((await c.sh(`systemctl is-active ${UNIT}`)).stdout.trim(), 'inactive', 'an upgrade does not start a stopped service');
  await ok(`systemctl start ${UNIT}`);
});

test('`systemctl stop` leaves no process in the service\'s cgroup; remove keeps the config, purge removes it', { skip }, async () => {
  await waitFor('the prober', async () => (await serviceProcesses()).some((p) => p.comm === 'msm-prober'));
  const cgroup = await show('ControlGroup');
  await ok(`systemctl stop ${UNIT}`);
  assert.deepEqual(await serviceProcesses(), []);
  assert.notEqual((await c.sh(`grep -s . /sys/fs/cgroup/systemd${cgroup}/cgroup.procs /sys/fs/cgroup/unified${cgroup}/cgroup.procs`)).code, 0, 'cgroup empty or gone');
  assert.notEqual((await c.sh('test -e /run/mount-status-monitor')).code, 0, 'RuntimeDirectory removed');
  await ok(`systemctl start ${UNIT}`);
  await ok('DEBIAN_FRONTEND=noninteractive apt remove -y mount-status-monitor-helper', 300_000);
  assert.notEqual((await c.sh(`systemctl is-active ${UNIT}`)).stdout.trim(), 'active');
  assert.deepEqual(await serviceProcesses(), []);
  assert.match(await ok(`cat ${CONF}`), /^interval = 1$/m, 'removal keeps the conffile');
  assert.notEqual((await c.sh('test -e /usr/bin/mountstatus || test -e /usr/lib/mount-status-monitor')).code, 0);
  await ok('DEBIAN_FRONTEND=noninteractive apt purge -y mount-status-monitor-helper', 300_000);
  assert.notEqual((await c.sh(`test -e ${CONF}`)).code, 0, 'purge removes the conffile');
  assert.equal((await c.sh('dpkg-query -W mount-status-monitor-helper')).code, 1, 'no trace in dpkg');
  assert.notEqual((await c.sh(`ls /etc/systemd/system/*.wants/${UNIT}.service /var/lib/systemd/deb-systemd-helper-enabled/*.wants/${UNIT}.service`)).code, 0, 'no enablement left');
  writeFileSync(join(out, 'console.log'), c.console());
});
