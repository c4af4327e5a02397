// The lab guest's own SMB server, for *.lab.test.ts files (they run as root inside the guest, see
// test/lab/lab-suite): Debian's smbd (samba; disabled at the guest's boot) started on a configuration of
// the fixture's own in a temporary directory, sharing a temporary directory to guests (no user, no
// password: `mount -t cifs -o guest`), and an outage made the way a dead server looks: an nftables rule in
// a table of the fixture's own that drops SMB's TCP port 445 to and from one loopback address (no RST,
// no ICMP: requests just go unanswered), so mounts of other addresses are left alone.
//
//   const smb = await startSmbServer();          // smbd listening on every address, port 445
//   mount -t cifs -o guest,hard //127.0.0.5/share /somewhere
//   smb.cut('127.0.0.5'); … smb.restore();
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { portCut } from './nft-cut.js';

export interface SmbServer {
  /** The shared directory, `share` on the server. */
  readonly shareDir: string;
  /** Drops SMB traffic (TCP 445) to and from `address` on the loopback until restore(). Idempotent. */
  cut(address: string): void;
  restore(): void;
  /** Restores and stops smbd (SIGTERM to its pid), removing its directory. */
  stop(): void;
}

/** Why the guest's SMB server cannot run here, or undefined. */
export function smbServerUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (smbd on port 445, cifs mounts, nftables)';
  for (const [cmd, pkg] of [['smbd', 'samba'], ['mount.cifs', 'cifs-utils'], ['nft', 'nftables']]) {
    if (spawnSync('sh', ['-c', `command -v ${cmd}`]).status !== 0) return `needs ${cmd} (apt package ${pkg})`;
  }
  return undefined;
}

const sh = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** Whether something listens on TCP port 445 (state 0A in /proc/net/tcp, port 01BD). */
function listening(): boolean {
  return ['/proc/net/tcp', '/proc/net/tcp6'].some((f) => {
    try {
      return readFileSync(f, 'utf8').split('\n').some((l) => / [0-9A-F]+:01BD [0-9A-F]+:0000 0A /.test(l));
    } catch {
      return false;
    }
  });
}

export async function startSmbServer(withinMs = 60_000): Promise<SmbServer> {
  const dir = mkdtempSync('/tmp/msm-smb-');
  const shareDir = join(dir, 'share');
  mkdirSync(shareDir);
  chmodSync(shareDir, 0o777);
  // Every state directory smbd knows of is this one, so nothing of the image's own configuration is used.
  const conf = join(dir, 'smb.conf');
  writeFileSync(
    conf,
    [
      '[global]',
      'server role = standalone server',
      'map to guest = Bad User',
      ...['pid directory', 'lock directory', 'state directory', 'cache directory', 'private dir'].map((k) => `${k} = ${dir}`),
      `ncalrpc dir = ${dir}/ncalrpc`,
      `log file = ${dir}/log`,
      'disable netbios = yes',
      'smb ports = 445',
      'load printers = no',
      '[share]',
      `path = ${shareDir}`,
      'read only = no',
      'guest ok = yes',
      'force user = root',
      '',
    ].join('\n'),
  );
  sh('smbd', ['--daemon', '--configfile', conf]);
  const deadline = Date.now() + withinMs;
  while (!listening()) {
    if (Date.now() > deadline) throw new Error(`smbd not listening on port 445 within ${withinMs} ms; its log:\n${readLog(dir)}`);
    await sleep(200);
  }
  const outage = portCut(`msm_smb_cut_${process.pid}`, 445);
  const server: SmbServer = {
    shareDir,
    cut: (address) => outage.cut(address),
    restore: () => outage.restore(),
    stop() {
      server.restore();
      try {
        process.kill(Number(readFileSync(join(dir, 'smbd.pid'), 'utf8').trim()), 'SIGTERM');
      } catch {
        // not running (it never wrote its pid, or it has exited)
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return server;
}

function readLog(dir: string): string {
  try {
    return readFileSync(join(dir, 'log'), 'utf8');
  } catch (e) {
    return `(none: ${(e as Error).message})`;
  }
}
