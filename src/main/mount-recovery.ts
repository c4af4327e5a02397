// What the app offers for a mount that stopped answering (issue 13, "Desktop"), for the tray menu and the
// status window alike: "Disconnect" for the user's own FUSE mount, done as the user with no helper
// (src/node/recovery/disconnect.ts); "Disconnect" for the NFS mount of the user's home where the system
// helper allows it (disconnect-own-home: it shuts the mount's NFS client down, every program waiting on it
// gets an error at once); for any other mount, who can act and the exact command.
//
// Nothing here touches a mountpoint: the advice comes from the monitor's snapshot and /proc/self/mountinfo,
// and disconnectOwnMount writes to fusectl (a kernel control file) and runs fusermount3 as a child.
import type { MonitorApi } from '../common/monitor-api.js';
import type { MountStatus, ParsedMountTable } from '../common/mount.js';
import type { DisconnectResult, MountAdvice, NfsDisconnectResult, RecoveryAdvice } from '../common/recovery.js';
import { isUnder } from '../common/mount-table/path-to-mount.js';
import { connectHelper, type DisconnectRequestBody } from '../node/ipc/client.js';
import { defaultSocketPath } from '../node/ipc/paths.js';
import { isNfsClientFstype } from '../node/passive/nfs-shutdown.js';
import { bytesInWords } from '../common/status-view/durations.js';
import { readMountTable } from '../node/mount-table/read-mount-table.js';
import { disconnectOwnMount, entryOf, recoveryAdvice } from '../node/recovery/disconnect.js';
import { isFailing } from '../common/state-classes.js';

export interface MountRecoveryOptions {
  api: Pick<MonitorApi, 'snapshot' | 'recheck'>;
  /** Whose mounts are "own": this process's uid. */
  uid: number;
  readTable?: () => Promise<ParsedMountTable>;
  disconnect?: typeof disconnectOwnMount;
  /** The user's home directory: an NFS mount at or below it may be offered for Disconnect through the helper. */
  home?: string;
  /** Asks the system helper to disconnect (a connection of its own per request); absent: never offered. */
  helperDisconnect?: (request: DisconnectRequestBody) => Promise<NfsDisconnectResult>;
}

/** How long the helper's answer to "may this user disconnect this mount" is kept (its config can change on SIGHUP). */
const PERMISSION_TTL_MS = 60_000;

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

/**
 * One request to the system helper on a connection of its own (the tray's source may be the embedded
 * monitor, which cannot disconnect): the helper decides from the connection's kernel credentials.
 */
export async function askHelperToDisconnect(request: DisconnectRequestBody): Promise<NfsDisconnectResult> {
  const conn = await connectHelper(defaultSocketPath({ privileged: true }), { timeoutMs: 5000, clientName: 'mount-status-monitor tray' });
  try {
    // The shutdown child has the probe timeout, then the freed programs a second to let go.
    return await conn.disconnect(request, request.dryRun ? 10_000 : 120_000);
  } finally {
    conn.close();
  }
}

export function setupMountRecovery(o: MountRecoveryOptions): MountRecovery {
  const readTable = o.readTable ?? (() => readMountTable());
  const disconnect = o.disconnect ?? disconnectOwnMount;
  const permitted = new Map<string, { ok: boolean; until: number }>();
  /** The home's NFS mount: the helper's dry run says whether this user may disconnect it (no log, nothing done). */
  const helperMay = async (m: MountStatus): Promise<boolean> => {
    if (!o.helperDisconnect || o.home === undefined || !isNfsClientFstype(m.fstype) || !isUnder(m.mountpoint, o.home)) return false;
    const key = `${m.mountId} ${m.mountpoint}`;
    const hit = permitted.get(key);
    if (hit && hit.until > Date.now()) return hit.ok;
    const ok = await o.helperDisconnect({ mountpoint: m.mountpoint, dryRun: true }).then(
      () => true,
      () => false,
    );
    if (permitted.size > 100) permitted.clear();
    permitted.set(key, { ok, until: Date.now() + PERMISSION_TTL_MS });
    return ok;
  };
  const advise = async (mounts: readonly MountStatus[]): Promise<MountAdvice[]> => {
    const dead = mounts.filter((m) => isFailing(m.state));
    if (dead.length === 0) return [];
    const table = await readTable();
    return Promise.all(
      dead.map(async (m) => {
        const base = adviceFor(m, table, o.uid);
        const advice: RecoveryAdvice = base.kind === 'admin' && (await helperMay(m)) ? { kind: 'disconnect', label: 'Disconnect', mountpoint: m.mountpoint } : base;
        return { mountId: m.mountId, mountpoint: m.mountpoint, advice };
      }),
    );
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
      if (isNfsClientFstype(status.fstype) && o.helperDisconnect) {
        const r = await o.helperDisconnect({ mountpoint });
        // The mount stays, disconnected: the monitor marks it so at once (the helper rechecks it).
        return { gone: r.disconnected, steps: r.steps, ...(r.reason !== undefined ? { reason: r.reason } : {}) };
      }
      const result = await disconnect(status, { uid: o.uid, readTable });
      // A recheck makes the monitor read the table at once, so it announces the mount's removal now
      // rather than at its next sweep; it then refuses the path (no longer a mountpoint), as it should.
      if (result.gone) o.api.recheck(mountpoint).catch(() => undefined);
      return result;
    },
  };
}
