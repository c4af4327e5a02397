// Whether a mount answers far slower than its own usual, from its probes' latencies: for any filesystem
// (FUSE, CIFS, a local disk), where NFS mounts are judged from the kernel's RPC counters instead
// (nfs-degrading.ts). A probe that answers in 600 ms where it usually takes 2 ms, probe after probe, is a
// server or device in trouble before any probe goes unanswered for slow-after (1.5 s).
// Pure: no Node imports (common layer).
import { msText } from './nfs-degrading.js';

/**
 * The thresholds, chosen from measurement (docs/nfs-degrading.md, "From probe latency"): on a shared
 * machine at load 10-13, six local mounts probed 80 times each (1.5 GB writes with fsync during half):
 * medians 0.1-17 ms, single probes up to 272 ms, and never two in a row over 50 ms. So one slow probe, or
 * ten times a tiny usual, says nothing:
 * - factor, minExcessMs: at least 10 times the usual and 300 ms over it: over every healthy outlier
 *   measured, and well under slow-after (1.5 s), so the warning comes first.
 * - probesToTrigger: 3 probes in a row (3 s for a home in use, probed every second): outliers came alone; a
 *   sustained deviation is a trend.
 * - clearFactor, clearMinExcessMs, probesToClear: back under 3 times and 100 ms over, 3 probes in a row,
 *   so a mount near the line does not flap.
 * - warmupProbes: the first 5 answers only make the usual.
 * - baselineWeight: each well probe weighs 10 % in the usual; while degrading (or over the line) 0.5 % of
 *   at most `factor` times the usual, so a mount that became slower for good becomes the usual in time
 *   (hundreds of probes), not never, and an episode barely moves it.
 */
const LATENCY_THRESHOLDS = {
  factor: 10,
  minExcessMs: 300,
  probesToTrigger: 3,
  clearFactor: 3,
  clearMinExcessMs: 100,
  probesToClear: 3,
  warmupProbes: 5,
  baselineWeight: 0.1,
  degradedBaselineWeight: 0.005,
};
export type LatencyThresholds = typeof LATENCY_THRESHOLDS;

export interface LatencyJudgement {
  degrading: boolean;
  /** In words and numbers: "probes answered in 620 ms, usually 2.1 ms". */
  reason?: string;
}

export class LatencyJudge {
  private usual: number | undefined;
  private probes = 0;
  private over = 0;
  private under = 0;
  private degrading = false;
  /** The latest latency over the line, for the words while the episode lasts. */
  private highMs = 0;

  constructor(private readonly t: LatencyThresholds = LATENCY_THRESHOLDS) {}

  /** A probe's answer that reached the mount (ok), in ms. */
  answered(latencyMs: number): LatencyJudgement {
    this.probes++;
    const usual = this.usual;
    if (usual === undefined || this.probes <= this.t.warmupProbes) {
      this.usual = usual === undefined ? latencyMs : usual + (latencyMs - usual) / this.probes;
      return { degrading: false };
    }
    const high = latencyMs >= Math.max(usual * this.t.factor, usual + this.t.minExcessMs);
    const low = latencyMs < Math.max(usual * this.t.clearFactor, usual + this.t.clearMinExcessMs);
    if (high) this.highMs = latencyMs;
    this.over = high ? this.over + 1 : 0;
    this.under = low ? this.under + 1 : 0;
    if (!this.degrading && this.over >= this.t.probesToTrigger) this.degrading = true;
    if (this.degrading && this.under >= this.t.probesToClear) this.degrading = false;
    if (this.degrading || high) this.usual = usual + (Math.min(latencyMs, usual * this.t.factor) - usual) * this.t.degradedBaselineWeight;
    else this.usual = usual + (latencyMs - usual) * this.t.baselineWeight;
    return this.degrading ? { degrading: true, reason: `probes answered in ${msText(this.highMs)}, usually ${msText(this.usual)}` } : { degrading: false };
  }
}
