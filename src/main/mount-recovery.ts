// What the app offers for a mount that stopped answering (issue 13, "Desktop"), for the tray menu and the
// status window alike: "Disconnect" for the user's own FUSE mount, done as the user with no helper
// (src/node/recovery/disconnect.ts); for any other mount, who can act and the exact command.
//
// Nothing here touches a mountpoint: the advice comes from the monitor's snapshot and /proc/self/mountinfo,
// and disconnectOwnMount writes to fusectl (a kernel control file) and runs fusermount3 as a child.
import type { MonitorApi } from '../common/monitor-api.js';
import type { MountStatus, ParsedMountTable } from '../common/mount.js';
import type { DisconnectResult, MountAdvice, RecoveryAdvice } from '../common/recovery.js';
import { isNotResponding } from '../common/recovery-rules.js';
import { bytesInWords } from '../common/status-view/durations.js';
import { readMountTable } from '../node/mount-table/read-mount-table.js';
import { disconnectOwnMount, entryOf, recoveryAdvice } from '../node/recovery/disconnect.js';

export interface MountRecoveryOptions {
  api: Pick<MonitorApi, 'snapshot' | 'recheck'>;
  /** Whose mounts are "own": this process's uid. */
  uid: number;
  readTable?: () => Promise<ParsedMountTable>;
  disconnect?: typeof disconnectOwnMount;
}

export interface MountRecovery {
  /** The advice for each mount of `mounts` that is not answering (one read of the mount table, none if all answer). */
  advise(mounts: readonly MountStatus[]): Promise<MountAdvice[]>;
  /** The same for the monitor's snapshot now. */
  adviseNow(): Promise<MountAdvice[]>;
  /** Disconnects the mount the snapshot names `mountpoint`, if it is the user's own FUSE mount and not answering. */
  disconnect(mountpoint: string): Promise<DisconnectResult>;
}

function adviceFor(m: MountStatus, table: ParsedMountTable, uid: number): RecoveryAdvice {
  const cut = m.truncated?.mountpoint;
  if (cut !== undefined) {
    // The helper's socket sent the path cut (src/helper/ipc/wire-caps.ts): no command line can name it,
    // and `mountstatus unmount` takes at most PATH_MAX bytes anyway.
    return {
      kind: 'none',
      text: `Its path is ${bytesInWords(cut)} long, too long for a command: an administrator can find it as mount id ${m.mountId} in /proc/self/mountinfo and unmount it from there`,
    };
  }
  return recoveryAdvice(m, entryOf(m, table), uid);
}

export function setupMountRecovery(o: MountRecoveryOptions): MountRecovery {
  const readTable = o.readTable ?? (() => readMountTable());
  const disconnect = o.disconnect ?? disconnectOwnMount;
  const advise = async (mounts: readonly MountStatus[]): Promise<MountAdvice[]> => {
    const dead = mounts.filter((m) => isNotResponding(m.state));
    if (dead.length === 0) return [];
    const table = await readTable();
    return dead.map((m) => ({ mountId: m.mountId, mountpoint: m.mountpoint, advice: adviceFor(m, table, o.uid) }));
  };
  return {
    advise,
    adviseNow: async () => advise((await o.api.snapshot()).mounts),
    async disconnect(mountpoint) {
      const status = (await o.api.snapshot()).mounts.find((m) => m.mountpoint === mountpoint);
      if (!status) return { gone: false, steps: [], reason: `${mountpoint} is not a mount the monitor reports` };
      const [offer] = await advise([status]);
      if (offer?.advice.kind !== 'disconnect') {
        return { gone: false, steps: [], reason: offer ? offer.advice.text : `${mountpoint} answers: there is nothing to disconnect` };
      }
      const result = await disconnect(status, { uid: o.uid, readTable });
      // A recheck makes the monitor read the table at once, so it announces the mount's removal now
      // rather than at its next sweep; it then refuses the path (no longer a mountpoint), as it should.
      if (result.gone) o.api.recheck(mountpoint).catch(() => undefined);
      return result;
    },
  };
}
