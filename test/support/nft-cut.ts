// An outage made the way a dead server looks, for the lab's servers (lab-nfs.ts, lab-smb.ts): an
// nftables table of the caller's own that drops one TCP port's traffic both ways (no RST, no ICMP:
// requests just go unanswered), to and from one address or every one; deleting the table lifts it.
import { execFileSync } from 'node:child_process';

export interface PortCut {
  /** Drops the port's traffic (of `address` alone, when given) until restore(). Idempotent. */
  cut(address?: string): void;
  restore(): void;
}

/** `table`: a name no other test uses (add the pid). */
export function portCut(table: string, port: number): PortCut {
  const nft = (...args: string[]) => execFileSync('nft', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  let cut = false;
  return {
    cut(address) {
      if (cut) return;
      const [to, from] = address === undefined ? [[], []] : [['ip', 'daddr', address], ['ip', 'saddr', address]];
      nft('add', 'table', 'inet', table);
      nft('add', 'chain', 'inet', table, 'in', '{ type filter hook input priority -10; policy accept; }');
      nft('add', 'rule', 'inet', table, 'in', ...to, 'tcp', 'dport', String(port), 'drop');
      nft('add', 'rule', 'inet', table, 'in', ...from, 'tcp', 'sport', String(port), 'drop');
      cut = true;
    },
    restore() {
      if (!cut) return;
      nft('delete', 'table', 'inet', table);
      cut = false;
    },
  };
}
