// A real network outage for probe tests: an sshfs mount of a directory served by sshd, where sshd and
// the ssh client run in a network namespace of the fixture's own and talk over its loopback only; cut()
// adds an nftables drop rule in that namespace (packets stop, as when a server dies or a cable is
// pulled: no RST, no ICMP, no signal to any process) and restore() deletes it again.
//
//   const ns = privateMountNamespace(import.meta.url);   // the mount lands in this file's namespace
//   const fx = await startSshfsNetns(root.join('remote'));
//   t.after(() => fx.stop());
//   fx.cut(); ... fx.restore();
//
// Where each piece runs:
// - `ip netns add msm-sshfs-<pid>-<n>` (unique per test process), loopback up, nothing else: no other
//   interface or address, so no packet can leave. Every command in it runs under
//   `nsenter --net=/run/netns/NAME`, which switches the network namespace only; `ip netns exec` would
//   also unshare a mount namespace (ip-netns(8)) and the mount would be invisible to the test.
// - sshd (`-D -e`: foreground, log on stderr, so its PID is ours) listens on 127.0.0.1:PORT in the netns,
//   with its own config, host key and authorized key in a temp dir; key auth only, root login allowed.
//   It also has a mount namespace of its own, only for a private /run (see where it is started).
// - sshfs runs in the caller's mount namespace (so the FUSE mount is in the test's /proc/self/mountinfo,
//   and nowhere else) and in the host's network namespace; its ssh_command is a wrapper script that
//   nsenters the netns, so only the ssh client's TCP connection is inside. sshfs double-forks ssh (it is
//   re-parented away from sshfs), so the fixture finds it, and sshd's per-connection children, with
//   `ip netns pids`: every process in the namespace is one this fixture started.
//
// What makes the hang realistic (and what to keep when changing the options):
// - No keepalives: ServerAliveInterval 0 in ssh, ClientAliveInterval 0 in sshd (their defaults), and
//   TCPKeepAlive no on both (the kernel's first keepalive would come only after 2 h anyway). With
//   ServerAliveInterval set, ssh would give up after Interval*CountMax and sshfs would exit: the mount
//   would turn into an error (ENOTCONN or a vanished mount), not a hang. Without them, a cut that lasts
//   ends only when TCP gives up retransmitting: tcp_retries2=15, about 15 minutes (tcp(7)); then ssh
//   exits, sshfs exits and unmounts itself.
// - No `-o reconnect` (sshfs's default): a cut connection is never replaced behind the test's back.
// - sshfs's caches are left at their defaults, as users have them: dir_cache=yes keeps names and
//   attributes for 20 s (dcache_timeout), the kernel keeps attributes and entries for 1 s (attr_timeout,
//   entry_timeout). So for up to 20 s after the cut a plain `ls` or `stat` of the mount still succeeds
//   from sshfs's cache. statvfs(2) (FUSE_STATFS, sshfs's statvfs@openssh.com request) is never cached:
//   a probe must include it, or a round trip like it, to see the outage.
// - A request sshfs has already read cannot be taken back: its caller waits in D state even after
//   SIGKILL until the answer comes (the kernel only queues a FUSE_INTERRUPT for a request already sent,
//   Documentation/filesystems/fuse.rst "Interrupting filesystem operations", and libfuse ignores it
//   without -o intr), or until stop() kills sshfs, which aborts the FUSE connection and fails every
//   waiting request with ENOTCONN. Measured: `timeout 3 stat -f` on a cut mount returned after 15 min.
// - After restore() the answer comes at TCP's next retransmission, and the retransmission timer doubles
//   from 200 ms (capped at 120 s, tcp(7)) for as long as the cut lasted: measured here, a 2.4 s cut was
//   answered 0.15-0.25 s after the restore, a 29 s cut 25 s after it. Poll after a restore; never expect
//   an immediate answer.
//
// Owned by a user (a watched home): `{ owner: {uid, gid} }` mounts with -o uid=,gid= (every file, the
// mount's root included, reports that owner) plus allow_other and default_permissions. Root still mounts
// it, so the fixture keeps every PID and can always unmount; mountinfo shows user_id=0, but the probe
// finds the owner by stat(2) of the mountpoint, which says the user, and so lists as the user. See
// prepareHomeMountpoint() for putting it at a user's home path. The alternative, the user running sshfs
// itself (through the setuid fusermount3), is what a desktop user's own mount looks like (user_id=U in
// mountinfo), but: the user cannot nsenter the netns (CAP_SYS_ADMIN), so root would have to start the
// ssh and hand it over through `sshfs -o passive`; without allow_other (which a non-root mounter gets
// only with user_allow_other in /etc/fuse.conf, a host file) not even root may access the mount
// (mount.fuse3(8), "allow_other"), so a probe's first stat as root fails with EACCES before any network
// round trip, which is a test of its own; and on this project's test VM /dev/fuse is 0600, where libfuse
// refuses a non-root mount outright ("fuse: failed to open /dev/fuse: Permission denied").
//
// Teardown (stop(), and a synchronous version on process exit for a test that crashed): link restored,
// `fusermount3 -uz` (lazy: works while requests hang), sshfs SIGTERM then SIGKILL, every process in the
// netns SIGKILLed by PID, the nft table deleted, `ip netns del`, the temp dir removed.
//
// Needs root, /dev/fuse, and Debian's openssh-server, openssh-client, sshfs, nftables, iproute2
// (scripts/install-test-prereqs.sh). Like the helper, the fixture never touches the mountpoint: it learns
// that the mount is up from /proc/self/mountinfo.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { mountTmpfs, mountsAt } from './mounts.js';
import { setTimeout as sleep } from 'node:timers/promises';

export interface SshfsNetnsOptions {
  /** Show every file, the mount's root included, as owned by this user (a home); see the header. */
  owner?: { uid: number; gid: number };
}

export interface SshfsNetns {
  readonly mountpoint: string;
  /** The mount's id in /proc/self/mountinfo. */
  readonly mountId: number;
  /** The directory sshd serves: put files there, never through the mount. */
  readonly serverDir: string;
  /** The network namespace's name (`ip netns list`). */
  readonly netns: string;
  readonly sshdPid: number;
  readonly sshfsPid: number;
  /** Every process in the namespace now: sshd, its per-connection children, the ssh client. */
  netnsPids(): number[];
  /** Drops every packet in the namespace from now on (an nftables rule in its output hook). */
  cut(): void;
  /** Deletes the drop rule; waiting requests are answered at TCP's next retransmission. */
  restore(): void;
  readonly isCut: boolean;
  /** Always safe, also after sshd or sshfs died: see the header. Throws the first step that failed. */
  stop(): Promise<void>;
  /** sshd's and sshfs's stderr, for assertion messages. */
  logs(): string;
}

const START_TIMEOUT_MS = 15_000;
const STOP_GRACE_MS = 3_000;
/** sshd's port on 127.0.0.1: the namespace is the fixture's own, so nothing else can hold it. */
const PORT = 2222;
const NFT_TABLE = 'msm_sshfs'; // inside the fixture's own namespace too
const NEEDED = ['/usr/sbin/sshd', 'ssh', 'ssh-keygen', 'sshfs', 'fusermount3', 'nft', 'ip', 'nsenter', 'unshare'];

let started = 0;

/** Why the fixture can't run here (for skipOrFail), or undefined when it can. */
export function sshfsNetnsUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'the sshfs outage fixture needs root (network namespaces, nftables, mount)';
  if (!existsSync('/dev/fuse')) return '/dev/fuse is missing (kernel without FUSE?)';
  const missing = NEEDED.filter((cmd) => spawnSync('sh', ['-c', 'command -v "$1"', 'sh', cmd]).status !== 0);
  if (missing.length > 0) return `${missing.join(', ')} missing: run scripts/install-test-prereqs.sh (openssh-server openssh-client sshfs nftables iproute2)`;
  return undefined;
}

function run(cmd: string, args: string[], input?: string): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 10_000, ...(input !== undefined ? { input } : {}) });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.error?.message ?? (r.stderr.trim() || `exit ${r.status ?? r.signal}`)}`);
}

/** Runs `cmd` in the network namespace `netns` only (see the header for why not `ip netns exec`). */
function inNetns(netns: string, cmd: string, args: string[], input?: string): void {
  run('nsenter', [`--net=/run/netns/${netns}`, cmd, ...args], input);
}

function pidsIn(netns: string): number[] {
  const r = spawnSync('ip', ['netns', 'pids', netns], { encoding: 'utf8', timeout: 10_000 });
  return r.status === 0 ? r.stdout.split('\n').filter(Boolean).map(Number) : [];
}

function kill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

const alive = (c: ChildProcess) => c.exitCode === null && c.signalCode === null;
const exited = (c: ChildProcess) => (alive(c) ? new Promise<void>((r) => c.once('exit', () => r())) : Promise.resolve());

/** sshd's config for a fixture's temp dir `dir` (keys there), listening on `listen`; also the fleet's (fleet-lan.ts). */
export function sshdConfig(dir: string, listen = `127.0.0.1:${PORT}`): string {
  return [
    `ListenAddress ${listen}`,
    `HostKey ${dir}/host_key`,
    `AuthorizedKeysFile ${dir}/authorized_keys`,
    'PidFile none',
    'AuthenticationMethods publickey',
    'PermitRootLogin prohibit-password',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    // No PAM session (pam_loginuid, pam_systemd), nothing of the host's login stack.
    'UsePAM no',
    // The key files live under /tmp, which is world-writable: StrictModes would refuse them (sshd(8),
    // "bad ownership or modes for directory /tmp"). Only root can read the temp dir (0700) anyway.
    'StrictModes no',
    'ClientAliveInterval 0',
    'TCPKeepAlive no',
    'Subsystem sftp internal-sftp',
    '',
  ].join('\n');
}

/** The ssh client's config for the keys in `dir`: no keepalives (see the header); also the fleet's. */
export function sshConfig(dir: string, port = PORT): string {
  return [
    'Host *',
    `  Port ${port}`,
    '  User root',
    `  IdentityFile ${dir}/client_key`,
    '  IdentitiesOnly yes',
    `  UserKnownHostsFile ${dir}/known_hosts`,
    '  GlobalKnownHostsFile /dev/null',
    '  StrictHostKeyChecking yes',
    '  CheckHostIP no',
    '  UpdateHostKeys no',
    '  BatchMode yes',
    '  ControlMaster no',
    '  ControlPath none',
    '  ConnectTimeout 10',
    '  ServerAliveInterval 0',
    '  TCPKeepAlive no',
    '  LogLevel ERROR',
    '',
  ].join('\n');
}

/** Keys, configs and the ssh wrapper in `dir` (0700): everything sshd and ssh read. */
function writeSshFiles(dir: string, netns: string): void {
  chmodSync(dir, 0o700);
  run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'msm-sshfs-host', '-f', join(dir, 'host_key')]);
  run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'msm-sshfs-client', '-f', join(dir, 'client_key')]);
  const [keyType, key] = readFileSync(join(dir, 'host_key.pub'), 'utf8').split(' ');
  writeFileSync(join(dir, 'known_hosts'), `[127.0.0.1]:${PORT} ${keyType} ${key}\n`);
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'client_key.pub')));
  writeFileSync(join(dir, 'sshd_config'), sshdConfig(dir));
  writeFileSync(join(dir, 'ssh_config'), sshConfig(dir));
  // sshfs splits ssh_command on spaces; a script keeps the nsenter line whole and readable.
  writeFileSync(join(dir, 'ssh'), `#!/bin/sh\nexec nsenter --net=/run/netns/${netns} ssh -F ${dir}/ssh_config "$@"\n`, { mode: 0o755 });
}

/** A child's stderr kept as text; a failed spawn or kill ('error') is kept too instead of crashing the test. */
function stderrOf(child: ChildProcess): () => string {
  let text = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (s: string) => (text += s));
  child.on('error', (e) => (text += `[fixture] ${e.message}\n`));
  return () => text;
}

// Fixtures still up when the test process exits (a crash, process.exit() before the after() hooks).
const live = new Set<Outage>();
process.on('exit', () => {
  for (const outage of live) outage.teardownNow();
});

class Outage implements SshfsNetns {
  readonly serverDir: string;
  readonly netns = `msm-sshfs-${process.pid}-${++started}`;
  private readonly dir = mkdtempSync(join(tmpdir(), 'msm-sshfs-'));
  private netnsMade = false;
  private sshd?: ChildProcess;
  private sshfs?: ChildProcess;
  private sshdLog = () => '';
  private sshfsLog = () => '';
  private id?: number;
  /** Mounts on the mountpoint before sshfs started: never ours to unmount. */
  private before = new Set<number>();
  private cutNow = false;
  private stopped = false;

  constructor(readonly mountpoint: string) {
    this.serverDir = join(this.dir, 'export');
    live.add(this);
  }

  get mountId(): number {
    return this.id!;
  }
  get sshdPid(): number {
    return this.sshd!.pid!;
  }
  get sshfsPid(): number {
    return this.sshfs!.pid!;
  }
  get isCut(): boolean {
    return this.cutNow;
  }

  async start(opts: SshfsNetnsOptions): Promise<void> {
    mkdirSync(this.serverDir, { mode: 0o755 });
    try {
      mkdirSync(this.mountpoint); // plain mkdir(2): never stats an existing path
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    writeSshFiles(this.dir, this.netns);

    run('ip', ['netns', 'add', this.netns]);
    this.netnsMade = true;
    inNetns(this.netns, 'ip', ['link', 'set', 'lo', 'up']);
    // The table and an empty chain now, so cut() and restore() only add and flush a rule.
    inNetns(this.netns, 'nft', ['-f', '-'], `table inet ${NFT_TABLE} {\n  chain output {\n    type filter hook output priority 0; policy accept;\n  }\n}\n`);

    // sshd refuses to start without its privilege-separation directory /run/sshd (compiled in; Debian's
    // ssh.service makes it, RuntimeDirectory=sshd). sshd gets a mount namespace of its own with a fresh
    // tmpfs on /run to make it in, so the host's /run is never written; sshd needs nothing else from /run
    // (no PAM, no utmp: sftp sessions have no tty). unshare and sh exec, so the PID stays sshd's.
    const sshdCommand = `mount -t tmpfs -o size=64k,mode=755 msm-sshfs-run /run && mkdir /run/sshd && exec /usr/sbin/sshd -D -e -f ${this.dir}/sshd_config`;
    this.sshd = spawn('nsenter', [`--net=/run/netns/${this.netns}`, 'unshare', '--mount', '--propagation', 'private', 'sh', '-c', sshdCommand], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.sshdLog = stderrOf(this.sshd);
    await this.waitFor(() => /Server listening on 127\.0\.0\.1 port/.test(this.sshdLog()), this.sshd, 'sshd to listen');

    this.before = new Set(mountsAt(this.mountpoint).map((m) => m.id));
    const options = [`ssh_command=${this.dir}/ssh`, 'allow_other'];
    if (opts.owner) options.push(`uid=${opts.owner.uid}`, `gid=${opts.owner.gid}`, 'default_permissions');
    this.sshfs = spawn('sshfs', ['-f', '-o', options.join(','), `127.0.0.1:${this.serverDir}`, this.mountpoint], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.sshfsLog = stderrOf(this.sshfs);
    const found = () => (this.id = mountsAt(this.mountpoint).find((m) => m.fstype === 'fuse.sshfs' && !this.before.has(m.id))?.id) !== undefined;
    await this.waitFor(found, this.sshfs, `sshfs to mount ${this.mountpoint}`);
  }

  netnsPids(): number[] {
    return pidsIn(this.netns);
  }

  cut(): void {
    inNetns(this.netns, 'nft', ['add', 'rule', 'inet', NFT_TABLE, 'output', 'drop']);
    this.cutNow = true;
  }

  restore(): void {
    inNetns(this.netns, 'nft', ['flush', 'chain', 'inet', NFT_TABLE, 'output']);
    this.cutNow = false;
  }

  logs(): string {
    return `sshd:\n${this.sshdLog()}sshfs:\n${this.sshfsLog()}`;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    live.delete(this);
    let failure: unknown;
    const step = async (f: () => void | Promise<void>) => {
      try {
        await f();
      } catch (e) {
        failure ??= e;
      }
    };
    // The link back first, so nothing still exiting waits on a dropped packet.
    if (this.cutNow) await step(() => this.restore());
    await step(() => this.unmount());
    await step(async () => {
      const sshfs = this.sshfs;
      if (!sshfs || !alive(sshfs)) return;
      sshfs.kill('SIGTERM'); // libfuse leaves its loop; the mount is already detached
      await Promise.race([exited(sshfs), sleep(STOP_GRACE_MS)]);
      if (alive(sshfs)) sshfs.kill('SIGKILL'); // closing /dev/fuse fails every waiting request
      await exited(sshfs);
    });
    await step(async () => {
      if (!this.netnsMade) return;
      const deadline = Date.now() + STOP_GRACE_MS * 2;
      for (let pids = this.netnsPids(); pids.length > 0; pids = this.netnsPids()) {
        if (Date.now() > deadline) throw new Error(`processes ${pids.join(' ')} in ${this.netns} outlived SIGKILL`);
        pids.forEach(kill);
        await sleep(20);
      }
    });
    await step(async () => {
      if (!this.sshd) return;
      if (alive(this.sshd)) this.sshd.kill('SIGKILL'); // it was in the netns, so gone already
      await exited(this.sshd);
    });
    await step(() => this.removeNetns());
    rmSync(this.dir, { recursive: true, force: true });
    if (failure !== undefined) throw failure;
  }

  /** Synchronous, for process exit: SIGKILL at once, no waiting, every step tried. */
  teardownNow(): void {
    for (const f of [
      () => this.unmount(),
      () => this.sshfs && alive(this.sshfs) && this.sshfs.kill('SIGKILL'),
      () => this.netnsMade && this.netnsPids().forEach(kill),
      () => this.sshd && alive(this.sshd) && this.sshd.kill('SIGKILL'),
      () => this.removeNetns(),
      () => rmSync(this.dir, { recursive: true, force: true }),
    ]) {
      try {
        f();
      } catch {
        // the next step matters more than this one's error, on the way out
      }
    }
  }

  /** Lazily unmounts every sshfs mount this fixture made on the mountpoint (also one found too late). */
  private unmount(): void {
    const ours = (m: { id: number; fstype: string }) =>
      m.id === this.id || (this.id === undefined && this.sshfs !== undefined && m.fstype === 'fuse.sshfs' && !this.before.has(m.id));
    if (mountsAt(this.mountpoint).some(ours)) run('fusermount3', ['-u', '-z', this.mountpoint]);
  }

  private removeNetns(): void {
    if (!this.netnsMade) return;
    // Goes with the namespace anyway; deleted first so no rule outlives a namespace kept by a stray process.
    spawnSync('nsenter', [`--net=/run/netns/${this.netns}`, 'nft', 'delete', 'table', 'inet', NFT_TABLE], { timeout: 10_000 });
    run('ip', ['netns', 'del', this.netns]);
    this.netnsMade = false;
  }

  private async waitFor(done: () => boolean, child: ChildProcess, what: string): Promise<void> {
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (!done()) {
      if (!alive(child)) throw new Error(`waiting for ${what}: it exited (${child.exitCode ?? child.signalCode})\n${this.logs()}`);
      if (Date.now() > deadline) throw new Error(`waiting for ${what}: not within ${START_TIMEOUT_MS} ms\n${this.logs()}`);
      await sleep(20);
    }
  }
}

/**
 * Serves a fresh directory over sshd in a new network namespace and mounts it with sshfs on `mountpoint`
 * (made if missing; its parent must exist), in this process's mount namespace. Resolves once the mount
 * is in /proc/self/mountinfo. Run inside privateMountNamespace().
 */
export async function startSshfsNetns(mountpoint: string, opts: SshfsNetnsOptions = {}): Promise<SshfsNetns> {
  const outage = new Outage(mountpoint);
  try {
    await outage.start(opts);
  } catch (e) {
    await outage.stop().catch(() => undefined);
    throw e;
  }
  return outage;
}

/**
 * Makes `home` (e.g. a test user's home from the user database, /home/msm-test) a directory that exists
 * in this mount namespace only, ready to be the fixture's mountpoint: a tmpfs goes over its parent
 * (hiding the parent's real content from this test file only), and the directory is made in it. The
 * host's /home is never written, and parallel test files each get their own.
 */
export function prepareHomeMountpoint(home: string): string {
  const parent = dirname(home);
  if (parent === '/') throw new Error(`refusing to hide / under a tmpfs for the home ${home}`);
  if (!mountsAt(parent).some((m) => m.source === 'msm-sshfs-home')) mountTmpfs(parent, { mode: 0o755, size: '1m', source: 'msm-sshfs-home', mkdir: false });
  try {
    mkdirSync(home, { mode: 0o755 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  return home;
}
