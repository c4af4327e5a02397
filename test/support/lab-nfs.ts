// The lab guest's own NFS server, for *.lab.test.ts files (they run as root inside the guest, see
// test/lab/lab-suite): Debian's nfs-kernel-server started under the guest's systemd, exporting
// directories under /srv (a real ext4 directory that nfsd, in the guest's initial mount namespace, sees
// too), and an outage made the way a dead server looks: an nftables rule in a table of the fixture's own
// that drops NFS's TCP port on the loopback, both ways (no RST, no ICMP: requests just go unanswered).
//
//   const nfs = startNfsServer();                  // the guest's only server; later calls share it
//   const dir = nfs.exportDir('home');             // /srv/msm-nfs-PID/home, exported rw to 127.0.0.0/8
//   mount -t nfs -o vers=4.2,hard 127.0.0.1:${dir} /somewhere   (or an automount map entry)
//   nfs.cut(); … nfs.restore();
//
// NFSv4 mounts of one server share one client, whose options and `umount -f` leak between them. Distinct
// loopback addresses (127.0.0.2, 127.0.0.3: every 127/8 address answers on lo) separate them for v4.0 and
// v3 only: a v4.1+ mount of another address of the same nfsd is trunked into the client already there
// (same server owner), taking its name, addr= and timeo (measured in the lab: three v4.2 mounts of
// 127.0.0.7-9 all addr=127.0.0.7). A mount that must stand alone is v3, or the only v4.2 one.
// Exports are also written to /etc/exports.d, so that nfsd stopped and started again serves them still.
//
// A link that dies, rather than a port dropped on the loopback: clientNetwork() puts the NFS client on the
// far side of a veth pair, in a network namespace of its own (nfsd serves from the guest's initial one,
// as Debian's unit starts it), with server addresses on the near end; linkDown() takes the server's end
// down, so the client's packets vanish on the wire, unanswered. Mounts made through it land in the
// caller's mount namespace like any other (only the network namespace is entered):
//   const net = clientNetwork(2);                   // net.serverAddresses: ['10.77.N.1', '10.77.N.2']
//   net.mount(`${net.serverAddresses[0]}:${nfs.exportDir('home', undefined, net.subnet)}`, dir, 'vers=4.2,hard');
//   net.linkDown(); … net.linkUp();
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { portCut } from './nft-cut.js';

export interface NfsServer {
  /** Creates /srv/msm-nfs-PID/NAME (and its parents) and exports it (rw, no_root_squash) to `clients`
   *  (default 127.0.0.0/8); returns the path. */
  exportDir(name: string, options?: string, clients?: string): string;
  /** Drops NFS traffic (TCP 2049) on the loopback, both directions, until restore(). Idempotent. */
  cut(): void;
  restore(): void;
  /** Restores, withdraws this fixture's exports and removes its directories (the server keeps running). */
  stop(): void;
}

/** Why the guest's NFS server cannot run here, or undefined. */
export function nfsServerUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (nfsd, nftables)';
  for (const [cmd, pkg] of [['exportfs', 'nfs-kernel-server'], ['mount.nfs', 'nfs-common'], ['nft', 'nftables'], ['systemctl', 'systemd']]) {
    if (spawnSync('sh', ['-c', `command -v ${cmd}`]).status !== 0) return `needs ${cmd} (apt package ${pkg})`;
  }
  if (!existsSync('/run/systemd/system')) return 'needs systemd as init (the lab guest: test/support/lab.ts)';
  return undefined;
}

const sh = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

export function startNfsServer(): NfsServer {
  sh('systemctl', ['start', 'nfs-server.service']);
  const base = `/srv/msm-nfs-${process.pid}`;
  const exportsFile = `/etc/exports.d/msm-nfs-${process.pid}.exports`;
  const outage = portCut(`msm_nfs_cut_${process.pid}`, 2049);
  const exported: string[] = []; // CLIENTS:DIR, as exportfs names an export
  const server: NfsServer = {
    exportDir(name, options = 'rw,no_root_squash,no_subtree_check,insecure', clients = '127.0.0.0/8') {
      const dir = join(base, name);
      mkdirSync(dir, { recursive: true });
      sh('exportfs', ['-o', options, `${clients}:${dir}`]);
      exported.push(`${clients}:${dir}`);
      mkdirSync('/etc/exports.d', { recursive: true });
      appendFileSync(exportsFile, `${dir} ${clients}(${options})\n`);
      return dir;
    },
    cut: () => outage.cut(),
    restore: () => outage.restore(),
    stop() {
      server.restore();
      rmSync(exportsFile, { force: true });
      for (const spec of exported.splice(0)) spawnSync('exportfs', ['-u', spec]);
      rmSync(base, { recursive: true, force: true });
    },
  };
  return server;
}

export interface ClientNetwork {
  /** The addresses nfsd answers on for this client (the near end of the veth pair). */
  serverAddresses: string[];
  /** The client's subnet, for exportDir's `clients`. */
  subnet: string;
  /** mount -t nfs in the client's network namespace; the mount lands in the caller's mount namespace. */
  mount(source: string, target: string, options: string): void;
  /** Takes the server's end of the link down (the client's packets are dropped, nothing answers). */
  linkDown(): void;
  linkUp(): void;
  /** Deletes the namespace and the link (mounts through it should be gone first). */
  remove(): void;
}

/** A network namespace for NFS clients, behind a veth pair, reaching `servers` addresses of this one. */
export function clientNetwork(servers: number): ClientNetwork {
  const id = process.pid;
  const netns = `msm-nfs-${id}`;
  const near = `msmn${id}`.slice(0, 15);
  const far = `msmf${id}`.slice(0, 15);
  // 10.77.X.0/28: the client at .14, the server's addresses from .1 (a guest has no other 10.77 network).
  const prefix = `10.77.${id % 250}`;
  const serverAddresses = Array.from({ length: servers }, (_, i) => `${prefix}.${i + 1}`);
  sh('ip', ['netns', 'add', netns]);
  sh('ip', ['link', 'add', near, 'type', 'veth', 'peer', 'name', far, 'netns', netns]);
  for (const a of serverAddresses) sh('ip', ['addr', 'add', `${a}/28`, 'dev', near]);
  sh('ip', ['link', 'set', near, 'up']);
  sh('ip', ['-n', netns, 'addr', 'add', `${prefix}.14/28`, 'dev', far]);
  sh('ip', ['-n', netns, 'link', 'set', far, 'up']);
  sh('ip', ['-n', netns, 'link', 'set', 'lo', 'up']);
  return {
    serverAddresses,
    subnet: `${prefix}.0/28`,
    mount(source, target, options) {
      sh('nsenter', [`--net=/run/netns/${netns}`, 'mount', '-t', 'nfs', '-o', options, source, target]);
    },
    linkDown: () => void sh('ip', ['link', 'set', near, 'down']),
    linkUp: () => void sh('ip', ['link', 'set', near, 'up']),
    remove() {
      spawnSync('ip', ['link', 'del', near]);
      spawnSync('ip', ['netns', 'del', netns]);
    },
  };
}

/** Why netem cannot shape traffic here, or undefined. */
export function tcUnavailable(): string | undefined {
  return spawnSync('sh', ['-c', 'command -v tc']).status === 0 ? undefined : 'needs tc (apt package iproute2)';
}

/**
 * netem on the loopback for the packets to one server address only (a prio qdisc whose fourth band, fed
 * by a u32 filter on the destination, holds the netem): `set('delay 200ms loss 20%')`, `remove()`. The
 * loopback's root qdisc is the fixture's until removed: one shaping at a time in a guest.
 */
export function shapeTrafficTo(address: string): { set(netem: string): void; remove(): void } {
  const tc = (args: string) => sh('tc', args.split(' '));
  let added = false;
  return {
    set(netem) {
      if (!added) {
        tc('qdisc add dev lo root handle 1: prio bands 4');
        added = true;
        tc(`qdisc add dev lo parent 1:4 handle 40: netem ${netem}`);
        tc(`filter add dev lo parent 1: protocol ip prio 1 u32 match ip dst ${address}/32 flowid 1:4`);
      } else tc(`qdisc change dev lo parent 1:4 handle 40: netem ${netem}`);
    },
    remove() {
      if (added) spawnSync('tc', ['qdisc', 'del', 'dev', 'lo', 'root']);
      added = false;
    },
  };
}
