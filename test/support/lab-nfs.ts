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
// NFSv4 mounts of one server address share one client, whose options and `umount -f` leak between them;
// a scenario that needs mounts independent of each other mounts them from distinct loopback addresses
// (127.0.0.2, 127.0.0.3: every 127/8 address answers on lo).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export interface NfsServer {
  /** Creates /srv/msm-nfs-PID/NAME (and its parents) and exports it (rw, no_root_squash); returns the path. */
  exportDir(name: string, options?: string): string;
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
  const table = `msm_nfs_cut_${process.pid}`;
  const exported: string[] = [];
  let cut = false;
  const server: NfsServer = {
    exportDir(name, options = 'rw,no_root_squash,no_subtree_check,insecure') {
      const dir = join(base, name);
      mkdirSync(dir, { recursive: true });
      sh('exportfs', ['-o', options, `127.0.0.0/8:${dir}`]);
      exported.push(dir);
      return dir;
    },
    cut() {
      if (cut) return;
      sh('nft', ['add', 'table', 'inet', table]);
      sh('nft', ['add', 'chain', 'inet', table, 'in', '{ type filter hook input priority -10; policy accept; }']);
      sh('nft', ['add', 'rule', 'inet', table, 'in', 'tcp', 'dport', '2049', 'drop']);
      sh('nft', ['add', 'rule', 'inet', table, 'in', 'tcp', 'sport', '2049', 'drop']);
      cut = true;
    },
    restore() {
      if (!cut) return;
      sh('nft', ['delete', 'table', 'inet', table]);
      cut = false;
    },
    stop() {
      server.restore();
      for (const dir of exported.splice(0)) spawnSync('exportfs', ['-u', `127.0.0.0/8:${dir}`]);
      rmSync(base, { recursive: true, force: true });
    },
  };
  return server;
}
