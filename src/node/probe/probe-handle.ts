// One probe's two promises (its answer, and its reap) with idempotent settling: the answer may come
// from the child, the timeout, a dead prober or close(), whichever is first; later ones are ignored.
import { errorResult } from './answer.js';
import type { ProbeResult, ProbeRun } from './prober.js';

export class ProbeHandle {
  pid = 0;
  readonly startedAt = performance.now();
  resultSettled = false;
  exitedSettled = false;
  readonly run: ProbeRun;
  private resolveResult!: (r: ProbeResult) => void;
  private resolveExited!: () => void;

  constructor(readonly timeoutMs: number) {
    const result = new Promise<ProbeResult>((r) => (this.resolveResult = r));
    const exited = new Promise<void>((r) => (this.resolveExited = r));
    this.run = { result, exited };
  }

  elapsedMs(): number {
    return performance.now() - this.startedAt;
  }

  settleResult(r: ProbeResult): void {
    if (this.resultSettled) return;
    this.resultSettled = true;
    this.resolveResult(r);
  }

  settleExited(): void {
    if (this.exitedSettled) return;
    this.exitedSettled = true;
    this.resolveExited();
  }

  /** The answer to a probe asked of a prober that is closed: ECANCELED, no child, nothing to reap. */
  static refused(timeoutMs: number): ProbeRun {
    const handle = new ProbeHandle(timeoutMs);
    handle.settleResult(errorResult(0, 0, 'ECANCELED', 'fork', 'prober is closed'));
    handle.settleExited();
    return handle.run;
  }
}
