// The helper's .deb as admins run it, under a real systemd as PID 1 with a real kernel (in the lab guest,
// see test/lab/lab-suite, which builds the package and hands it in at GUEST_HELPER_DEB): installed with
// dpkg, started by its own unit, it follows the kernel's messages through /dev/kmsg under the unit's
// sandboxing (a systemd-nspawn container has no /dev/kmsg: test/build/systemd-live only shows that the
// helper says so); an idle automount expires while it sweeps every second; an NFS server's death is in
// the journal in the original's lines and the kernel's "not responding" is answered at once; and
// `systemctl stop` ends within the unit's TimeoutStopSec while a probe is blocked on the dead mount,
// with the unit ordered to stop before remote mounts are unmounted at shutdown.
// The mount is hard with timeo=10,retrans=2, so the kernel says "not responding" 3 s into the outage
// instead of minutes. Deadlines are the host's, scaled for the guest's emulation.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { skipOrFail } from '../support/namespace.js';
import { nfsServerUnavailable, startNfsServer, type NfsServer } from '../support/lab-nfs.js';
import { autofsUnavailable, waitFor } from '../support/automount.js';
import { GUEST_HELPER_DEB } from '../support/helper-deb.js';
import { scaled } from '../support/slowdown.js';
import { cleanupsAfter } from '../support/cleanups.js';

const skip = skipOrFail(
  nfsServerUnavailable() ?? autofsUnavailable() ?? (existsSync(GUEST_HELPER_DEB) ? undefined : `needs the helper's .deb at ${GUEST_HELPER_DEB} (test/lab/lab-suite builds it)`),
);
const UNIT = 'mount-status-monitor';
const CONF = '/etc/mount-status-monitor.conf';
/** Its own address: NFSv4 mounts of one address share one client with other lab files' mounts. */
const SERVER = '127.0.0.4';
const MNT = `/mnt/msm-service-${process.pid}`;

const sh = (script: string, timeoutMs = scaled(30_000)) => execFileSync('sh', ['-c', script], { encoding: 'utf8', timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'] });
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const show = (prop: string) => sh(`systemctl show -p ${prop} --value ${UNIT}`).trim();

interface JournalEntry {
  MESSAGE: string;
  PRIORITY: string;
  SYSLOG_IDENTIFIER?: string;
  __REALTIME_TIMESTAMP: string;
}

function journal(args: string, sinceUs: number): JournalEntry[] {
  return sh(`journalctl ${args} -o json --no-pager`)
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as JournalEntry)
    .filter((e) => typeof e.MESSAGE === 'string' && Number(e.__REALTIME_TIMESTAMP) >= sinceUs);
}

/** The unit's first journal line since `sinceUs` that matches, waited for. */
async function waitJournal(pattern: RegExp, sinceUs: number, timeoutMs: number): Promise<JournalEntry> {
  try {
    return await waitFor(`${pattern}`, () => journal(`-u ${UNIT}`, sinceUs).find((e) => pattern.test(e.MESSAGE)), timeoutMs, 500);
  } catch (e) {
    (e as Error).message += ` in the unit's journal:\n${journal(`-u ${UNIT}`, sinceUs).map((l) => l.MESSAGE).join('\n').slice(-5000)}`;
    throw e;
  }
}

const nowUs = () => Date.now() * 1000;
/**
 * The admin's edit: sweeps every `seconds`, applied with `systemctl reload`. Asked again when the helper
 * kept its settings because its config reader (a Node child, 5 s deadline) did not start in time: a
 * Node start takes 7-9 s under the lab's emulation, not what the deadline is for.
 */
async function sweepEvery(seconds: number): Promise<void> {
  sh(`sed -i 's/^interval = .*/interval = ${seconds}/' ${CONF}`);
  const reloaded = new RegExp(`^Reloaded ${escape(CONF)}: checking mounts every ${seconds} seconds? `);
  for (let attempt = 1; ; attempt++) {
    const since = nowUs();
    sh(`systemctl reload ${UNIT}`);
    const answer = await waitJournal(new RegExp(`${reloaded.source}|^Kept the previous settings: `), since, 30_000);
    if (reloaded.test(answer.MESSAGE)) return;
    assert.ok(attempt < 3 && /no answer within 5 seconds/.test(answer.MESSAGE), answer.MESSAGE);
  }
}

/** The processes in the unit's cgroup (cgroup v2, as the guest's systemd runs it). */
function serviceProcesses(): number[] {
  const cgroup = show('ControlGroup');
  if (cgroup === '' || !existsSync(`/sys/fs/cgroup${cgroup}/cgroup.procs`)) return [];
  return readFileSync(`/sys/fs/cgroup${cgroup}/cgroup.procs`, 'utf8').split('\n').filter((l) => l !== '').map(Number);
}

/** Where a process waits in the kernel (proc(5)); nothing here touches a mount. */
function wchan(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/wchan`, 'utf8');
  } catch {
    return '';
  }
}

let nfs: NfsServer | undefined;
const cleanups = cleanupsAfter();

before(() => {
  if (skip) return;
  const started = Date.now();
  sh(`dpkg -i ${GUEST_HELPER_DEB}`, scaled(120_000));
  console.log(`# dpkg -i took ${Date.now() - started} ms`);
  // Later lab files run daemons of their own: this one must not go on probing their mounts.
  cleanups.push(() => void spawnSync('dpkg', ['--purge', 'mount-status-monitor-helper'], { stdio: 'ignore' }));
});

test('dpkg installs it, its unit starts it, and it follows the kernel\'s messages through /dev/kmsg under the unit\'s sandboxing', { skip, timeout: scaled(90_000) }, async () => {
  assert.equal(sh(`systemctl is-enabled ${UNIT}`).trim(), 'enabled');
  const first = await waitJournal(/^Checked \d+ mounts in \d+ seconds$/, 0, 60_000);
  assert.equal(first.SYSLOG_IDENTIFIER, 'MountStatusMonitor');
  const messages = journal(`-u ${UNIT}`, 0).map((e) => e.MESSAGE);
  assert.ok(!messages.some((m) => /Not following kernel messages|Stopped following kernel messages|Running in mount namespace/.test(m)), messages.join('\n'));
  // The daemon itself holds /dev/kmsg open (its fds, as root may read them).
  const main = Number(show('MainPID'));
  const fds = sh(`ls -l /proc/${main}/fd`);
  assert.match(fds, /-> \/dev\/kmsg$/m, `the main process ${main} has /dev/kmsg open:\n${fds}`);
});

test('an idle automount (Debian\'s autofs service) still expires while the service sweeps every second', { skip, timeout: scaled(120_000) }, async () => {
  await sweepEvery(1);
  // The map's idle timeout: several of the service's sweeps, each seconds long under the emulation.
  sh(
    `mkdir -p /etc/auto.master.d && echo '/srv/msm-auto /etc/auto.msm --timeout=15' > /etc/auto.master.d/msm.autofs && ` +
      `echo 'idle -fstype=tmpfs,size=1m :tmpfs' > /etc/auto.msm && systemctl restart autofs`,
  );
  cleanups.push(() => void spawnSync('sh', ['-c', 'rm -f /etc/auto.master.d/msm.autofs /etc/auto.msm && systemctl stop autofs'], { stdio: 'ignore' }));
  const mounted = () => readFileSync('/proc/1/mountinfo', 'utf8').split('\n').some((l) => l.split(' ')[4] === '/srv/msm-auto/idle' && / - tmpfs /.test(l));
  // Triggered by a process outside the automount daemon's process group (autofs.rst).
  const since = nowUs();
  const started = Date.now();
  sh('ls /srv/msm-auto/idle >/dev/null');
  assert.ok(mounted(), 'the lookup mounted it');
  await waitFor('the idle automount to expire', () => !mounted(), 60_000, 200);
  const lines = journal(`-u ${UNIT}`, since).map((e) => e.MESSAGE);
  const sweeps = lines.filter((m) => /^Checked /.test(m)).length;
  console.log(`# the automount expired ${Date.now() - started} ms after it was mounted (map timeout 15 s), over ${sweeps} sweeps`);
  assert.deepEqual(lines.filter((m) => m.includes('/srv/msm-auto')), [], 'nothing said about it');
  assert.ok(sweeps >= 2, `the service swept while it expired (${sweeps})`);
});

test('an NFS server dies: the journal has the original\'s lines, and the kernel\'s "not responding" is answered at once', { skip, timeout: scaled(120_000) }, async () => {
  nfs = startNfsServer();
  cleanups.push(() => nfs!.stop());
  const dir = nfs.exportDir('service');
  mkdirSync(MNT, { recursive: true });
  // From fstab, as admins mount NFS homes: systemd orders its mount unit against remote-fs.target.
  sh(`echo '${SERVER}:${dir} ${MNT} nfs vers=4.2,hard,timeo=10,retrans=2 0 0' >> /etc/fstab && systemctl daemon-reload && mount ${MNT}`);
  // Restored first, so the unmount does not wait on a dead server.
  cleanups.push(() => {
    nfs!.restore();
    spawnSync('umount', ['-f', MNT], { stdio: 'ignore', timeout: 60_000 });
    spawnSync('sed', ['-i', `\\|^${SERVER}:${dir} |d`, '/etc/fstab']);
    rmSync(MNT, { recursive: true, force: true });
  });
  await waitJournal(/^Checked \d+ mounts in \d+ seconds$/, nowUs(), 30_000);

  const cutUs = nowUs();
  nfs.cut();
  const killed = await waitJournal(/^Timed out waiting for child process \d+: sending SIGKILL$/, cutUs, 60_000);
  assert.equal(killed.PRIORITY, '3');
  const hung = await waitJournal(new RegExp(`^Mountpoint ${escape(MNT)} is not responding: no answer within 10 seconds$`), cutUs, 30_000);
  const dead = await waitJournal(/^Checked \d+ mounts in \d+ seconds: 1 dead$/, cutUs, 30_000);
  assert.equal(dead.PRIORITY, '4');
  for (const e of [killed, hung, dead]) assert.equal(e.SYSLOG_IDENTIFIER, 'MountStatusMonitor');

  // The kernel's own line, in the journal's kernel log, and the helper's answer to it.
  const kernelSaid = new RegExp(`^nfs: server ${escape(SERVER)} not responding`);
  const kernel = await waitFor('the kernel\'s line', () => journal('-k', cutUs).find((e) => kernelSaid.test(e.MESSAGE)), 30_000, 500);
  const answer = await waitJournal(new RegExp(`^Kernel reports server ${escape(SERVER)} not responding: probing its 1 mount now$`), cutUs, 30_000);
  const at = (e: JournalEntry) => (Number(e.__REALTIME_TIMESTAMP) - cutUs) / 1e6;
  console.log(
    `# after the cut: kernel "not responding" at ${at(kernel).toFixed(1)} s, the helper's answer at ${at(answer).toFixed(1)} s, ` +
      `SIGKILL at ${at(killed).toFixed(1)} s, "not responding: no answer within 10 seconds" at ${at(hung).toFixed(1)} s, "1 dead" at ${at(dead).toFixed(1)} s`,
  );
  assert.ok(at(answer) - at(kernel) < 5, `the kernel's line was answered within 5 s (it was ${(at(answer) - at(kernel)).toFixed(1)} s): read from /dev/kmsg, not found at a sweep`);
});

test('`systemctl stop` ends within TimeoutStopSec while a probe is blocked on the dead mount, and the unit stops before remote mounts are unmounted', { skip, timeout: scaled(120_000) }, async () => {
  assert.ok(nfs, 'the outage test ran first');
  const timeout = /^(\d+)s$/.exec(show('TimeoutStopUSec'));
  assert.ok(timeout, `TimeoutStopUSec=${show('TimeoutStopUSec')}`);
  const limitMs = Number(timeout[1]) * 1000;
  // A probe waiting on an RPC to the dead server: a new one starts every sweep while the mount is cut.
  const blocked = await waitFor('a probe blocked on the dead mount', () => serviceProcesses().find((pid) => /rpc|nfs/.test(wchan(pid))), 60_000, 100);
  const state = /^\d+ \(.*\) (\S)/.exec(readFileSync(`/proc/${blocked}/stat`, 'utf8'))?.[1];
  const since = nowUs();
  const started = Date.now();
  const stop = spawnSync('systemctl', ['stop', UNIT], { encoding: 'utf8', timeout: limitMs * 4 });
  const tookMs = Date.now() - started;
  console.log(`# systemctl stop took ${tookMs} ms with probe ${blocked} blocked (state ${state}, wchan ${wchan(blocked) || 'gone'}); TimeoutStopSec ${limitMs / 1000} s`);
  assert.equal(stop.status, 0, stop.stderr);
  assert.ok(tookMs < limitMs, `stopped within TimeoutStopSec (${tookMs} ms)`);
  assert.equal(show('Result'), 'success', 'not ended by the stop timeout');
  assert.deepEqual(serviceProcesses(), [], 'nothing left in the unit\'s cgroup');
  await waitJournal(/^Stopping$/, since, 10_000);

  // At shutdown systemd stops units in the reverse of their start order: the helper (After=
  // remote-fs.target) before remote-fs.target, and that before the NFS mount (Before=remote-fs.target),
  // which umount.target conflicts with.
  assert.ok(show('After').split(' ').includes('remote-fs.target'), `After=${show('After')}`);
  const mountUnit = sh(`systemd-escape --path --suffix=mount ${MNT}`).trim();
  const mountShow = (prop: string) => sh(`systemctl show -p ${prop} --value '${mountUnit}'`).trim().split(' ');
  assert.ok(mountShow('Before').includes('remote-fs.target'), `${mountUnit} Before=${mountShow('Before').join(' ')}`);
  assert.ok(mountShow('Conflicts').includes('umount.target'), `${mountUnit} Conflicts=${mountShow('Conflicts').join(' ')}`);
});
