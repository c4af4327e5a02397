// Parser for /proc/self/mountstats (proc(5) "/proc/pid/mountstats"; the NFS part is written by
// fs/nfs/super.c nfs_show_stats() and net/sunrpc/stats.c rpc_clnt_show_stats(); field names as in
// nfs-utils tools/mountstats/mountstats.py). One block per mount:
//
//   device srv:/export mounted on /mnt/x with fstype nfs4 statvers=1.1
//   \topts:\trw,vers=4.2,...          \tage:\t3600          \tevents:\t<27 numbers>   \tbytes:\t<8 numbers>
//   \tRPC iostats version: 1.1  p/v: 100003/4 (nfs)
//   \txprt:\ttcp <13 numbers>          (one line per transport: several with nconnect=)
//   \tper-op statistics
//   \t        READ: ops trans timeouts bytes_sent bytes_recv queue_ms rtt_ms execute_ms [errors]
//
// Non-NFS mounts have only the "device ... with fstype ..." line. The device and mountpoint are escaped
// like mountinfo (space, tab, newline, backslash as \ooo; fs/proc_namespace.c show_vfsstat()); decoded here.
// "trans" counts every transmission, so trans - ops is the number of retransmissions; "timeouts" counts
// major timeouts (the ones that print "server ... not responding"). Pure: no Node imports (common layer).
import { unescapeOctal } from './mount-table/escapes.js';

export interface RpcOpStats {
  ops: number;
  trans: number;
  /** Major timeouts. */
  timeouts: number;
  bytesSent: number;
  bytesRecv: number;
  queueMs: number;
  rttMs: number;
  executeMs: number;
  /** Operations that ended in an error (statvers 1.1, kernel 5.1+). */
  errors?: number;
}

export interface XprtStats {
  protocol: string;
  /** Named counters for tcp, udp, local and rdma (net/sunrpc/xprtsock.c xs_*_print_stats()). */
  fields: Record<string, number>;
  raw: number[];
}

export interface RpcTotals {
  ops: number;
  /** Sum over operations of trans - ops. */
  retransmissions: number;
  /** Sum over operations of major timeouts. */
  majorTimeouts: number;
  errors: number;
  /** RPC requests sent (retransmissions included), over all transports. */
  sends: number;
  /** Replies received, over all transports. */
  replies: number;
  /** Cumulative backlog queue length (bklog_u), over all transports. */
  backlogUtil: number;
  /** Average backlog queue length per request sent (backlogUtil / sends), as mountstats(8) prints it. */
  avgBacklog: number;
}

export interface MountstatsEntry {
  /** "srv:/export" for NFS; "" for "no device". */
  device: string;
  mountpoint: string;
  fstype: string;
  statvers?: string;
  /** Server part of an NFS device ("srv" of "srv:/export", "fe80::1" of "[fe80::1]:/export"). */
  server?: string;
  opts?: string[];
  /** Seconds since the mount was made. */
  age?: number;
  events?: Record<string, number>;
  bytes?: Record<string, number>;
  rpc?: {
    statsVersion: string;
    program: number;
    version: number;
    programName?: string;
    xprts: XprtStats[];
    ops: Record<string, RpcOpStats>;
    totals: RpcTotals;
  };
}

export interface ParsedMountstats {
  mounts: MountstatsEntry[];
  problems: { line: number; text: string; reason: string }[];
}

const EVENTS = [
  'inoderevalidates', 'dentryrevalidates', 'datainvalidates', 'attrinvalidates', 'vfsopen', 'vfslookup',
  'vfspermission', 'vfsupdatepage', 'vfsreadpage', 'vfsreadpages', 'vfswritepage', 'vfswritepages',
  'vfsreaddir', 'vfssetattr', 'vfsflush', 'vfsfsync', 'vfslock', 'vfsrelease', 'congestionwait',
  'setattrtrunc', 'extendwrite', 'sillyrenames', 'shortreads', 'shortwrites', 'delay', 'pnfsreads', 'pnfswrites',
];
const BYTES = ['normalreadbytes', 'normalwritebytes', 'directreadbytes', 'directwritebytes', 'serverreadbytes', 'serverwritebytes', 'readpages', 'writepages'];
const XPRT_COMMON = ['sends', 'recvs', 'badXids', 'reqU', 'bklogU'];
const XPRT_FIELDS: Record<string, string[]> = {
  tcp: ['srcport', 'bindCount', 'connectCount', 'connectTime', 'idleTime', ...XPRT_COMMON, 'maxSlots', 'sendingU', 'pendingU'],
  udp: ['srcport', 'bindCount', ...XPRT_COMMON, 'maxSlots', 'sendingU', 'pendingU'],
  local: ['bindCount', 'connectCount', 'connectTime', 'idleTime', ...XPRT_COMMON, 'maxSlots', 'sendingU', 'pendingU'],
  rdma: ['srcport', 'bindCount', 'connectCount', 'connectTime', 'idleTime', ...XPRT_COMMON,
    'readSegments', 'writeSegments', 'replySegments', 'totalRdmaReq', 'totalRdmaRep', 'pullup', 'fixup', 'hardway',
    'failedMarshal', 'badReply', 'nomsgCalls', 'recoveredMrs', 'orphanedMrs', 'allocatedMrs', 'localInvalidates',
    'emptySendctxQ', 'replyWaitsForSend'],
};

function numbers(words: readonly string[]): number[] | undefined {
  const out: number[] = [];
  for (const w of words) {
    if (!/^-?\d+$/.test(w)) return undefined;
    out.push(Number(w));
  }
  return out;
}

function named(names: readonly string[], values: readonly number[]): Record<string, number> {
  const r: Record<string, number> = {};
  values.forEach((v, i) => {
    r[names[i] ?? `field${i + 1}`] = v;
  });
  return r;
}

/** "srv:/export" -> "srv"; "[fe80::1]:/export" -> "fe80::1"; undefined when there is no server part. */
export function nfsServerOf(device: string): string | undefined {
  if (device.startsWith('[')) {
    const close = device.indexOf(']:');
    return close > 1 ? device.slice(1, close) : undefined;
  }
  const colon = device.indexOf(':');
  return colon > 0 ? device.slice(0, colon) : undefined;
}

function emptyTotals(): RpcTotals {
  return { ops: 0, retransmissions: 0, majorTimeouts: 0, errors: 0, sends: 0, replies: 0, backlogUtil: 0, avgBacklog: 0 };
}

const HEADER = /^(?:device (\S+)|no device) mounted on (\S+) with fstype (\S+)(?: (.*))?$/;

export function parseMountstats(text: string): ParsedMountstats {
  const mounts: MountstatsEntry[] = [];
  const problems: ParsedMountstats['problems'] = [];
  let cur: MountstatsEntry | undefined;
  let inOps = false;
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    const problem = (reason: string): void => {
      problems.push({ line: i + 1, text: raw, reason });
    };
    const h = HEADER.exec(line);
    if (h) {
      inOps = false;
      cur = { device: h[1] === undefined ? '' : unescapeOctal(h[1]), mountpoint: unescapeOctal(h[2]!), fstype: unescapeOctal(h[3]!) };
      const sv = /(?:^| )statvers=(\S+)/.exec(h[4] ?? '');
      if (sv) cur.statvers = sv[1]!;
      if (cur.fstype.startsWith('nfs') && cur.fstype !== 'nfsd') {
        const server = nfsServerOf(cur.device);
        if (server !== undefined) cur.server = server;
      }
      mounts.push(cur);
      return;
    }
    if (!cur) return problem('statistics before any "device" line');
    const words = line.split(/\s+/);
    const key = words[0]!;
    if (key === 'RPC') {
      // "RPC iostats version: 1.1  p/v: 100003/4 (nfs)"
      const m = /^RPC iostats version: (\S+)\s+p\/v: (\d+)\/(\d+)(?: \((\S+)\))?/.exec(line);
      if (!m) return problem('unreadable "RPC iostats" line');
      cur.rpc = { statsVersion: m[1]!, program: Number(m[2]), version: Number(m[3]), xprts: [], ops: {}, totals: emptyTotals() };
      if (m[4]) cur.rpc.programName = m[4];
      return;
    }
    if (key === 'per-op') {
      inOps = true;
      return;
    }
    if (key === 'xprt:') {
      const values = numbers(words.slice(2));
      if (!cur.rpc || !values || words.length < 3) return problem('unreadable "xprt:" line');
      const protocol = words[1]!;
      cur.rpc.xprts.push({ protocol, fields: named(XPRT_FIELDS[protocol] ?? [], values), raw: values });
      return;
    }
    if (inOps && cur.rpc && key.endsWith(':')) {
      const v = numbers(words.slice(1));
      if (!v || v.length < 8) return problem('unreadable per-op line');
      const op: RpcOpStats = { ops: v[0]!, trans: v[1]!, timeouts: v[2]!, bytesSent: v[3]!, bytesRecv: v[4]!, queueMs: v[5]!, rttMs: v[6]!, executeMs: v[7]! };
      if (v.length > 8) op.errors = v[8]!;
      cur.rpc.ops[key.slice(0, -1)] = op;
      return;
    }
    const rest = line.slice(key.length).trim();
    switch (key) {
      case 'opts:':
        cur.opts = rest === '' ? [] : rest.split(',');
        return;
      case 'age:':
        cur.age = Number(rest);
        return;
      case 'events:': {
        const v = numbers(words.slice(1));
        if (v) cur.events = named(EVENTS, v);
        else problem('unreadable "events:" line');
        return;
      }
      case 'bytes:': {
        const v = numbers(words.slice(1));
        if (v) cur.bytes = named(BYTES, v);
        else problem('unreadable "bytes:" line');
        return;
      }
      default:
        // caps:, nfsv4:, sec:, impl_id:, fsc:, and whatever a newer kernel adds: not needed here.
        return;
    }
  });
  for (const m of mounts) if (m.rpc) m.rpc.totals = totalsOf(m.rpc.ops, m.rpc.xprts);
  return { mounts, problems };
}

function totalsOf(ops: Record<string, RpcOpStats>, xprts: readonly XprtStats[]): RpcTotals {
  const t = emptyTotals();
  for (const o of Object.values(ops)) {
    t.ops += o.ops;
    t.retransmissions += Math.max(0, o.trans - o.ops);
    t.majorTimeouts += o.timeouts;
    t.errors += o.errors ?? 0;
  }
  for (const x of xprts) {
    t.sends += x.fields.sends ?? 0;
    t.replies += x.fields.recvs ?? 0;
    t.backlogUtil += x.fields.bklogU ?? 0;
  }
  t.avgBacklog = t.sends > 0 ? t.backlogUtil / t.sends : 0;
  return t;
}

/** The NFS mounts by mountpoint (the last block wins when mounts are stacked on one path). */
export function nfsStatsByMountpoint(parsed: ParsedMountstats): Map<string, MountstatsEntry> {
  const m = new Map<string, MountstatsEntry>();
  for (const e of parsed.mounts) if (e.rpc) m.set(e.mountpoint, e);
  return m;
}

/** Counter growth between two readings of one mount (what changed this sweep), never negative. */
export function rpcDelta(before: RpcTotals | undefined, after: RpcTotals): Pick<RpcTotals, 'ops' | 'retransmissions' | 'majorTimeouts' | 'errors'> {
  const d = (k: 'ops' | 'retransmissions' | 'majorTimeouts' | 'errors'): number => Math.max(0, after[k] - (before?.[k] ?? 0));
  return { ops: d('ops'), retransmissions: d('retransmissions'), majorTimeouts: d('majorTimeouts'), errors: d('errors') };
}
