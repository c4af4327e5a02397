// Whether an NFS mount's server is degrading, judged from the change in /proc/self/mountstats between
// two reads, against the mount's own past: a mount that has always been 80 ms away is not degrading, one
// whose round trips went from 0.4 ms to 200 ms is, before any program using it freezes.
//
// What moves (net/sunrpc/stats.c rpc_count_iostats_metrics(), net/sunrpc/xprt.c xprt_request_transmit(),
// measured in the lab guest: docs/nfs-degrading.md):
// - per-op ops/trans/timeouts/rtt/execute are added when a request *completes*: a blocked request shows
//   nowhere in them, and trans - ops (retransmissions) only once the retransmitted request is answered;
// - the transport's sends grows at each transmission, recvs at each reply: requests sent and not answered
//   show there at once.
// So three signals: the mean round trip of the metadata operations completed since the last read, against
// an average of the mount's own (data operations' round trips grow with their size and the server's disk,
// so a large write would look like a slow server); retransmissions and major timeouts in the last minute;
// and requests outstanding with no reply at all for seconds. sends - recvs is not the number outstanding
// by itself: a retransmission adds a send and no reply, for good, so it is compared with its lowest value
// in the minute before the replies stopped.
// Pure: no Node imports (common layer), time passed in.
import type { MountstatsEntry } from './mountstats.js';

/**
 * The thresholds, chosen from the lab's figures (docs/nfs-degrading.md; an emulated guest, so noisier
 * than real hardware):
 * - rttFactor, rttMinExcessMs: a round trip at least 4 times the usual and 50 ms over it. Healthy
 *   loopback metadata round trips averaged 4-12 ms over 3 s (single seconds up to 23 ms) in the emulated
 *   guest; 200 ms of netem delay gave 214-259 ms, 20 % loss on top 330-1220 ms; 4x keeps a mount whose
 *   usual is 80 ms quiet until it passes 320 ms.
 * - busyBytesPerSecond: while a mount moves 1 MB/s of data or more, its metadata round trips are not
 *   judged: they wait behind the data on the same connection and nfsd threads (116-166 ms while a 200 MB
 *   write ran at 40 MB/s on the wire, back to 4-30 ms after it). Retransmissions and unanswered requests
 *   are still judged.
 * - clearFactor, clearMinExcessMs: back under 2x and 25 ms over, so a mount near the line does not flap.
 * - readsToTrigger / readsToClear: two reads in a row with completed operations either way: one odd
 *   request (a lock wait, a server's scheduling blip) is not an episode.
 * - warmupReads: the first three reads with operations only make the baseline.
 * - baselineWeight: each read's round trip weighs 20 % in the usual value while the mount is well; 0.5 %
 *   while it is degrading, counted as 4x the usual at most, so the usual grows by 1.5 % a read at most: a
 *   lasting change of place (a server moved behind a WAN, six times as far) becomes the usual in about
 *   120 reads (6 minutes at a read every 3 s) rather than never, and a minute of episode moves it 35 %.
 * - retransmissionsToTrigger: 3 in the last minute. On a healthy LAN there are none (TCP retransmits lost
 *   segments itself; the RPC layer resends only after timeo, 60 s by default); one can follow a
 *   reconnection, three do not.
 * - unansweredMs: requests sent and no reply at all for 5 s (the longest healthy COMMIT measured was
 *   under 2 s).
 */
const DEGRADING_THRESHOLDS = {
  rttFactor: 4,
  rttMinExcessMs: 50,
  clearFactor: 2,
  clearMinExcessMs: 25,
  readsToTrigger: 2,
  readsToClear: 2,
  warmupReads: 3,
  baselineWeight: 0.2,
  degradedBaselineWeight: 0.005,
  retransmissionsToTrigger: 3,
  windowMs: 60_000,
  unansweredMs: 5000,
  busyBytesPerSecond: 1_000_000,
};
export type DegradingThresholds = typeof DEGRADING_THRESHOLDS;

/** Operations that move data: their round trip grows with their size and the server's disk, not its health. */
const DATA_OPS = new Set(['READ', 'WRITE', 'COMMIT', 'READ_PLUS', 'LAYOUTGET', 'LAYOUTCOMMIT', 'LAYOUTRETURN']);

/** The counters of one mount at one read. */
export interface RpcSample {
  at: number;
  /** Metadata operations completed, and their summed round trip (ms). */
  metaOps: number;
  metaRttMs: number;
  /** Bytes sent and received by data operations. */
  dataBytes: number;
  /** All operations: completed, transmissions, major timeouts. */
  ops: number;
  trans: number;
  timeouts: number;
  /** The transports' transmissions and replies (several with nconnect=). */
  sends: number;
  replies: number;
}

export function rpcSample(entry: MountstatsEntry, at: number): RpcSample | undefined {
  if (!entry.rpc) return undefined;
  const s: RpcSample = { at, metaOps: 0, metaRttMs: 0, dataBytes: 0, ops: 0, trans: 0, timeouts: 0, sends: 0, replies: 0 };
  for (const [name, op] of Object.entries(entry.rpc.ops)) {
    s.ops += op.ops;
    s.trans += op.trans;
    s.timeouts += op.timeouts;
    if (DATA_OPS.has(name)) {
      s.dataBytes += op.bytesSent + op.bytesRecv;
    } else {
      s.metaOps += op.ops;
      s.metaRttMs += op.rttMs;
    }
  }
  for (const x of entry.rpc.xprts) {
    s.sends += x.fields.sends ?? 0;
    s.replies += x.fields.recvs ?? 0;
  }
  return s;
}

/** What the judge says after a read. */
export interface DegradingJudgement {
  degrading: boolean;
  /** In words and numbers: "RPC round trip 210 ms, usually 0.4 ms; 14 retransmissions in the last minute". */
  reason?: string;
  /** Mean round trip of the metadata operations completed since the last read that had any (ms). */
  rttMs?: number;
  /** The mount's usual value of it (ms), once it has one. */
  usualRttMs?: number;
  /** RPC retransmissions and major timeouts in the last minute. */
  retransmissions: number;
  majorTimeouts: number;
  /** Requests outstanding since the last reply, when there has been none for unansweredMs. */
  unanswered?: { requests: number; forMs: number };
}

export class DegradingJudge {
  private last: RpcSample | undefined;
  private usual: number | undefined;
  private reads = 0;
  private rttMs: number | undefined;
  /** The last round trip over the line, for the words while the episode lasts. */
  private highRttMs: number | undefined;
  private over = 0;
  private under = 0;
  private rttDegrading = false;
  private degrading = false;
  /** Retransmissions and major timeouts seen per read, for the last window. */
  private recent: { at: number; retransmissions: number; timeouts: number }[] = [];
  /** sends - replies at each read of the last window, and when replies last moved. */
  private gaps: { at: number; gap: number }[] = [];
  private lastReplyAt: number | undefined;

  constructor(private readonly t: DegradingThresholds = DEGRADING_THRESHOLDS) {}

  update(sample: RpcSample): DegradingJudgement {
    const last = this.last;
    this.last = sample;
    // The first read, or counters that went back (the mount was replaced on the same path): a new start.
    if (!last || sample.ops < last.ops || sample.sends < last.sends || sample.replies < last.replies) {
      this.gaps = [{ at: sample.at, gap: sample.sends - sample.replies }];
      this.lastReplyAt = sample.at;
      return this.judge(sample.at);
    }
    const ops = sample.ops - last.ops;
    this.recent.push({ at: sample.at, retransmissions: Math.max(0, sample.trans - last.trans - ops), timeouts: Math.max(0, sample.timeouts - last.timeouts) });
    this.recent = this.recent.filter((r) => sample.at - r.at < this.t.windowMs);

    if (sample.replies > last.replies) this.lastReplyAt = sample.at;
    this.gaps.push({ at: sample.at, gap: sample.sends - sample.replies });
    // Kept: the window before the replies stopped, however long ago that was.
    const keepFrom = Math.min(sample.at, this.lastReplyAt ?? sample.at) - this.t.windowMs;
    this.gaps = this.gaps.filter((g) => g.at >= keepFrom);

    const metaOps = sample.metaOps - last.metaOps;
    const seconds = (sample.at - last.at) / 1000;
    const busy = seconds > 0 && (sample.dataBytes - last.dataBytes) / seconds >= this.t.busyBytesPerSecond;
    if (metaOps > 0 && !busy) this.roundTrip((sample.metaRttMs - last.metaRttMs) / metaOps);
    return this.judge(sample.at, sample.sends - sample.replies);
  }

  private roundTrip(rtt: number): void {
    this.rttMs = rtt;
    this.reads++;
    const usual = this.usual;
    if (usual === undefined || this.reads <= this.t.warmupReads) {
      this.usual = usual === undefined ? rtt : usual + (rtt - usual) / this.reads;
      return;
    }
    const high = rtt >= Math.max(usual * this.t.rttFactor, usual + this.t.rttMinExcessMs);
    const low = rtt < Math.max(usual * this.t.clearFactor, usual + this.t.clearMinExcessMs);
    if (high) this.highRttMs = rtt;
    this.over = high ? this.over + 1 : 0;
    this.under = low ? this.under + 1 : 0;
    if (!this.rttDegrading && this.over >= this.t.readsToTrigger) this.rttDegrading = true;
    if (this.rttDegrading && this.under >= this.t.readsToClear) this.rttDegrading = false;
    // Only well reads teach the usual value quickly: a degrading server must not become the usual, and
    // one 1.2 s round trip must not move it much (it counts as rttFactor times the usual at most).
    if (this.rttDegrading || high) this.usual = usual + (Math.min(rtt, usual * this.t.rttFactor) - usual) * this.t.degradedBaselineWeight;
    else this.usual = usual + (rtt - usual) * this.t.baselineWeight;
  }

  /** Requests outstanding with no reply for unansweredMs, beyond the lowest sends - replies before that. */
  private unansweredNow(now: number, gap: number): DegradingJudgement['unanswered'] {
    const since = this.lastReplyAt;
    if (since === undefined || now - since < this.t.unansweredMs) return undefined;
    const before = this.gaps.filter((g) => g.at <= since);
    const floor = Math.min(...before.map((g) => g.gap));
    return gap > floor ? { requests: gap - floor, forMs: now - since } : undefined;
  }

  private judge(now: number, gap?: number): DegradingJudgement {
    const retransmissions = this.recent.reduce((n, r) => n + r.retransmissions, 0);
    const majorTimeouts = this.recent.reduce((n, r) => n + r.timeouts, 0);
    const unanswered = gap === undefined ? undefined : this.unansweredNow(now, gap);
    const resent = retransmissions >= this.t.retransmissionsToTrigger || majorTimeouts > 0;
    // Retransmissions keep it degrading until the minute holds none, whatever triggered it.
    this.degrading = this.rttDegrading || resent || unanswered !== undefined || (this.degrading && retransmissions > 0);
    const words: string[] = [];
    if (this.rttDegrading && this.highRttMs !== undefined && this.usual !== undefined) words.push(`RPC round trip ${msText(this.highRttMs)}, usually ${msText(this.usual)}`);
    if (retransmissions > 0) words.push(`${retransmissions} retransmission${retransmissions === 1 ? '' : 's'} in the last minute`);
    if (majorTimeouts > 0) words.push(`${majorTimeouts} major timeout${majorTimeouts === 1 ? '' : 's'} in the last minute`);
    if (unanswered) words.push(`${unanswered.requests} request${unanswered.requests === 1 ? '' : 's'} waiting, no reply for ${Math.round(unanswered.forMs / 1000)} s`);
    return {
      degrading: this.degrading,
      ...(this.degrading ? { reason: words.join('; ') } : {}),
      ...(this.rttMs !== undefined ? { rttMs: this.rttMs } : {}),
      ...(this.usual !== undefined ? { usualRttMs: this.usual } : {}),
      retransmissions,
      majorTimeouts,
      ...(unanswered ? { unanswered } : {}),
    };
  }
}

/** "0.4 ms", "12 ms", "210 ms". */
export function msText(value: number): string {
  return value < 10 ? `${Math.round(value * 10) / 10} ms` : `${Math.round(value)} ms`;
}
