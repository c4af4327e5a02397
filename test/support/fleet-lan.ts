// A fleet on one machine: file servers and hosts, each in a network namespace of its own with its own
// address on one bridge, the way workstations and NFS servers share a LAN. A server is an sshd serving a
// directory (cut() drops every packet it sends, as in sshfs-netns.ts: no RST, no ICMP); a host is a
// mount namespace and a network namespace held by a `sleep`, where sshfs mounts the servers' directories
// and where the test starts whatever it wants (a helper) with enter(). The test process reaches every
// address through a veth of its own; nothing else on the machine does.
//
//   const lan = await startFleetLan({ servers: ['nfs1', 'nfs2'], names: { nfs1: ['nfs1.example.org'] } });
//   const host = await lan.addHost();
//   await host.mount('nfs1', '/tmp/x/data', 'nfs1.example.org');   // source nfs1.example.org:/…
//   spawn(...host.enter(['node', 'helper.js']));
//   lan.server('nfs1').cut(); ... .restore();
//
// Names, so parallel test files never collide: namespaces msmf-PID-lan (the bridge), msmf-PID-SERVER and
// msmf-PID-hN; the test's veth msmfPID; a /24 in 10.0.0.0/8 picked from the PID and checked against the
// machine's addresses and routes. Servers get .101, .102, ...; hosts .1, .2, ...; the test's veth .254.
//
// Teardown (stop(), and a synchronous version on process exit): cuts restored, every sshfs mount lazily
// unmounted, every process in each namespace SIGKILLed by PID, the namespaces deleted (their veths go
// with them), the temp dir removed.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sshConfig, sshdConfig } from './sshfs-netns.js';
import { setTimeout as sleep } from 'node:timers/promises';

const START_TIMEOUT_MS = 20_000;
const NFT_TABLE = 'msm_fleet';

function run(cmd: string, args: string[], input?: string): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 10_000, ...(input !== undefined ? { input } : {}) });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.error?.message ?? (r.stderr.trim() || `exit ${r.status ?? r.signal}`)}`);
  return r.stdout;
}

function pidsIn(netns: string): number[] {
  const r = spawnSync('ip', ['netns', 'pids', netns], { encoding: 'utf8', timeout: 10_000 });
  return r.status === 0 ? r.stdout.split('\n').filter(Boolean).map(Number) : [];
}

function killAll(netns: string): void {
  for (const pid of pidsIn(netns)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}


/** A free 10.A.B.0/24: no address or route of the machine's in it. */
function pickSubnet(): string {
  const taken = run('ip', ['-o', '-4', 'addr', 'show']) + run('ip', ['-4', 'route', 'show']);
  for (let i = 0; i < 64; i++) {
    const n = (process.pid + i * 7919) % (200 * 250);
    const prefix = `10.${50 + Math.floor(n / 250)}.${n % 250}`;
    if (!taken.includes(` ${prefix}.`) && !taken.includes(`\n${prefix}.`) && !taken.startsWith(`${prefix}.`)) return prefix;
  }
  throw new Error('no free 10.x.y.0/24 for the fleet');
}

export interface FleetServer {
  readonly name: string;
  readonly address: string;
  /** The directory it serves: put files here, never through a mount. */
  readonly exportDir: string;
  /** Drops every packet the server sends from now on. */
  cut(): void;
  restore(): void;
}

export interface FleetHost {
  /** hN */
  readonly name: string;
  readonly address: string;
  /** The `sleep` holding the host's namespaces. */
  readonly holderPid: number;
  /** argv that runs a command inside the host's network and mount namespaces (nsenter execs it: same PID). */
  enter(argv: string[]): string[];
  /** sshfs of `server`'s export on `mountpoint` (an existing directory), the source naming it `as`. */
  mount(server: string, mountpoint: string, as?: string): Promise<void>;
  /** The host's mount table, read from /proc (no mount is touched). */
  mountinfo(): string;
  /** Runs a command to completion in the host's namespaces (mount, mkdir); throws on failure. */
  run(argv: string[]): void;
}

export interface FleetLan {
  readonly subnet: string;
  /** The address the test process has on the bridge. */
  readonly testAddress: string;
  readonly dir: string;
  server(name: string): FleetServer;
  addHost(): Promise<FleetHost>;
  stop(): Promise<void>;
}

export interface FleetLanOptions {
  servers: string[];
  /** More names a server answers to (through the hosts' ssh config, so without any resolver). */
  names?: Record<string, string[]>;
}

/** Why the fleet can't run here (for skipOrFail), or undefined. */
export function fleetLanUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'the fleet needs root (network namespaces, veths, a bridge, nftables, mounts)';
  for (const cmd of ['ip', 'nsenter', 'unshare', 'nft', 'sshfs', 'fusermount3', '/usr/sbin/sshd', 'ssh', 'ssh-keygen']) {
    if (spawnSync('sh', ['-c', 'command -v "$1"', 'sh', cmd]).status !== 0) return `${cmd} missing: run scripts/install-test-prereqs.sh (iproute2 nftables sshfs openssh-server openssh-client)`;
  }
  return undefined;
}

// Fleets still up when the test process exits (a crash, an assertion before the after() hooks).
const live = new Set<Lan>();
process.on('exit', () => {
  for (const lan of live) lan.teardownNow();
});

class Lan implements FleetLan {
  readonly subnet = pickSubnet();
  readonly dir = mkdtempSync(join(tmpdir(), 'msm-fleet-'));
  readonly testAddress = `${this.subnet}.254`;
  private readonly prefix = `msmf-${process.pid}`;
  private readonly lanNs = `${this.prefix}-lan`;
  private readonly testLink = `msmf${process.pid}`;
  private readonly namespaces: string[] = [];
  private readonly servers = new Map<string, FleetServer & { ns: string }>();
  private readonly hosts: (FleetHost & { ns: string; holder: ChildProcess })[] = [];
  private readonly sshdLogs = new Map<string, () => string>();
  private stopped = false;

  constructor(private readonly opts: FleetLanOptions) {
    live.add(this);
  }

  async start(): Promise<void> {
    this.addNamespace(this.lanNs);
    run('ip', ['-n', this.lanNs, 'link', 'add', 'name', 'br0', 'type', 'bridge']);
    run('ip', ['-n', this.lanNs, 'link', 'set', 'br0', 'up']);
    // The test process's own port on the bridge: the one link made in the machine's namespace.
    run('ip', ['link', 'add', 'name', this.testLink, 'type', 'veth', 'peer', 'name', 'test', 'netns', this.lanNs]);
    this.plug('test');
    run('ip', ['addr', 'add', `${this.testAddress}/24`, 'dev', this.testLink]);
    run('ip', ['link', 'set', this.testLink, 'up']);
    this.writeSshFiles();
    for (const [i, name] of this.opts.servers.entries()) await this.startServer(name, `${this.subnet}.${101 + i}`);
  }

  server(name: string): FleetServer {
    const s = this.servers.get(name);
    if (!s) throw new Error(`no server ${name} in this fleet (${[...this.servers.keys()].join(', ')})`);
    return s;
  }

  async addHost(): Promise<FleetHost> {
    const n = this.hosts.length + 1;
    const name = `h${n}`;
    const ns = `${this.prefix}-${name}`;
    const address = `${this.subnet}.${n}`;
    if (n > 100) throw new Error('at most 100 hosts (.101 and up are the servers)');
    this.addNamespace(ns);
    this.link(name, ns, address);
    // The holder: a mount namespace of the host's own (private: its mounts never reach the machine's)
    // inside the host's network namespace. nsenter and unshare exec, so the PID is sleep's.
    const holder = spawn('nsenter', [`--net=/run/netns/${ns}`, 'unshare', '--mount', '--propagation', 'private', 'sleep', 'infinity'], { stdio: 'ignore' });
    const holderPid = holder.pid!;
    // Up once its mount namespace differs from ours (unshare has run).
    const ours = run('readlink', ['/proc/self/ns/mnt']).trim();
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (spawnSync('readlink', [`/proc/${holderPid}/ns/mnt`], { encoding: 'utf8' }).stdout.trim() === ours) {
      if (holder.exitCode !== null || Date.now() > deadline) throw new Error(`the namespaces of ${name} did not come up`);
      await sleep(10);
    }
    const enter = (argv: string[]) => ['nsenter', `--target=${holderPid}`, '--mount', '--net', ...argv];
    const mountinfo = () => readFileSync(`/proc/${holderPid}/mountinfo`, 'utf8');
    const host = {
      name,
      address,
      holderPid,
      ns,
      holder,
      enter,
      mountinfo,
      run: (argv: string[]) => {
        const [cmd, ...args] = enter(argv);
        run(cmd!, args);
      },
      mount: async (server: string, mountpoint: string, as?: string) => {
        const s = this.server(server);
        const options = [`ssh_command=${this.dir}/ssh`, 'allow_other'];
        const [cmd, ...args] = enter(['sshfs', '-f', '-o', options.join(','), `${as ?? server}:${s.exportDir}`, mountpoint]);
        const sshfs = spawn(cmd!, args, { stdio: ['ignore', 'ignore', 'pipe'] });
        let log = '';
        sshfs.stderr!.setEncoding('utf8');
        sshfs.stderr!.on('data', (d: string) => (log += d));
        const until = Date.now() + START_TIMEOUT_MS;
        const escaped = mountpoint.replace(/[ \t\n\\]/g, (c) => '\\' + c.charCodeAt(0).toString(8).padStart(3, '0'));
        while (!mountinfo().split('\n').some((l) => l.split(' ')[4] === escaped && l.includes(' - fuse.sshfs '))) {
          if (sshfs.exitCode !== null || Date.now() > until) throw new Error(`sshfs ${server} on ${mountpoint} in ${name} did not mount: ${log}\nsshd: ${this.sshdLogs.get(server)?.()}`);
          await sleep(20);
        }
      },
    };
    this.hosts.push(host);
    return host;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.teardownNow();
    // The holders' exit: their mount namespaces (and lazily unmounted sshfs mounts) go with the last process.
    await Promise.all(this.hosts.map((h) => (h.holder.exitCode === null && h.holder.signalCode === null ? new Promise((r) => h.holder.once('exit', r)) : undefined)));
  }

  /** Synchronous, for process exit too: every step tried, whatever the one before did. */
  teardownNow(): void {
    if (this.stopped) return;
    this.stopped = true;
    live.delete(this);
    const steps: (() => void)[] = [];
    for (const s of this.servers.values()) steps.push(() => s.restore());
    for (const h of this.hosts) {
      steps.push(() => {
        for (const line of h.mountinfo().split('\n')) {
          const f = line.split(' ');
          if (line.includes(' - fuse.sshfs ') && f[4]) spawnSync('nsenter', [`--target=${h.holderPid}`, '--mount', 'fusermount3', '-u', '-z', f[4]], { timeout: 10_000 });
        }
      });
    }
    for (const ns of [...this.namespaces].reverse()) steps.push(() => killAll(ns));
    for (const s of this.servers.values()) steps.push(() => spawnSync('nsenter', [`--net=/run/netns/${s.ns}`, 'nft', 'delete', 'table', 'inet', NFT_TABLE], { timeout: 10_000 }));
    for (const ns of [...this.namespaces].reverse()) steps.push(() => run('ip', ['netns', 'del', ns]));
    steps.push(() => rmSync(this.dir, { recursive: true, force: true }));
    for (const step of steps) {
      try {
        step();
      } catch {
        // the next step matters more than this one's error, on the way out
      }
    }
  }

  private addNamespace(ns: string): void {
    run('ip', ['netns', 'add', ns]);
    this.namespaces.push(ns);
    run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  }

  /** A veth from the bridge (port `port`) into `ns` as eth0 with `address`. */
  private link(port: string, ns: string, address: string): void {
    run('ip', ['-n', this.lanNs, 'link', 'add', 'name', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
    this.plug(port);
    run('ip', ['-n', ns, 'addr', 'add', `${address}/24`, 'dev', 'eth0']);
    run('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
  }

  private plug(port: string): void {
    run('ip', ['-n', this.lanNs, 'link', 'set', port, 'master', 'br0']);
    run('ip', ['-n', this.lanNs, 'link', 'set', port, 'up']);
  }

  private writeSshFiles(): void {
    const d = this.dir;
    run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'msm-fleet-server', '-f', join(d, 'host_key')]);
    run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'msm-fleet-host', '-f', join(d, 'client_key')]);
    writeFileSync(join(d, 'authorized_keys'), readFileSync(join(d, 'client_key.pub')));
    const hostKey = readFileSync(join(d, 'host_key.pub'), 'utf8').split(' ').slice(0, 2).join(' ');
    const spellings = this.opts.servers.flatMap((name, i) => [name, ...(this.opts.names?.[name] ?? []), `${this.subnet}.${101 + i}`]);
    writeFileSync(join(d, 'known_hosts'), `${spellings.join(',')} ${hostKey}\n`);
    // Each server's names map to its address here, so no resolver is involved; then the fixture's usual client.
    const names = this.opts.servers.flatMap((name, i) => [`Host ${[name, ...(this.opts.names?.[name] ?? [])].join(' ')}`, `  HostName ${this.subnet}.${101 + i}`]);
    writeFileSync(join(d, 'ssh_config'), [...names, sshConfig(d, 22)].join('\n'));
    // Every host connects at once: sshd's default MaxStartups (10 unauthenticated at a time, then random
    // drops) would refuse some.
    writeFileSync(join(d, 'sshd_config'), sshdConfig(d, '0.0.0.0:22') + 'MaxStartups 200\n');
    writeFileSync(join(d, 'ssh'), `#!/bin/sh\nexec ssh -F ${d}/ssh_config "$@"\n`, { mode: 0o755 });
  }

  private async startServer(name: string, address: string): Promise<void> {
    const ns = `${this.prefix}-${name}`;
    this.addNamespace(ns);
    this.link(name, ns, address);
    run('nsenter', [`--net=/run/netns/${ns}`, 'nft', '-f', '-'], `table inet ${NFT_TABLE} {\n  chain output {\n    type filter hook output priority 0; policy accept;\n  }\n}\n`);
    const exportDir = join(this.dir, `${name}-export`);
    mkdirSync(exportDir);
    writeFileSync(join(exportDir, 'README'), `served by ${name}\n`);
    // A private /run for sshd's privilege-separation directory, as in sshfs-netns.ts.
    const command = `mount -t tmpfs -o size=64k,mode=755 msm-fleet-run /run && mkdir /run/sshd && exec /usr/sbin/sshd -D -e -f ${this.dir}/sshd_config`;
    const sshd = spawn('nsenter', [`--net=/run/netns/${ns}`, 'unshare', '--mount', '--propagation', 'private', 'sh', '-c', command], { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    sshd.stderr!.setEncoding('utf8');
    sshd.stderr!.on('data', (d: string) => (log += d));
    this.sshdLogs.set(name, () => log);
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (!/Server listening on/.test(log)) {
      if (sshd.exitCode !== null || Date.now() > deadline) throw new Error(`sshd of ${name} did not start: ${log}`);
      await sleep(20);
    }
    const nft = (args: string[]) => run('nsenter', [`--net=/run/netns/${ns}`, 'nft', ...args]);
    this.servers.set(name, {
      name,
      address,
      exportDir,
      ns,
      cut: () => nft(['add', 'rule', 'inet', NFT_TABLE, 'output', 'drop']),
      restore: () => nft(['flush', 'chain', 'inet', NFT_TABLE, 'output']),
    });
  }
}

export async function startFleetLan(opts: FleetLanOptions): Promise<FleetLan> {
  const lan = new Lan(opts);
  try {
    await lan.start();
  } catch (e) {
    await lan.stop();
    throw e;
  }
  return lan;
}
