// A Prober whose probes the test answers by hand: for the monitor's bookkeeping (one probe per mount,
// stuck until exited, concurrency), which real probes are too slow or too racy to pin down.
import type { Prober, ProbeRequest, ProbeResult, ProbeRun } from '../../../src/node/probe/prober.js';

export interface FakeProbe {
  request: ProbeRequest;
  pid: number;
  answer(result: Partial<ProbeResult> & { state: ProbeResult['state'] }): void;
  exit(): void;
}

export class FakeProber implements Prober {
  readonly kind = 'native' as const;
  readonly probes: FakeProbe[] = [];
  private nextPid = 1000;
  closed = false;

  probe(request: ProbeRequest): ProbeRun {
    let answer!: (r: ProbeResult) => void;
    let exit!: () => void;
    const result = new Promise<ProbeResult>((r) => (answer = r));
    const exited = new Promise<void>((r) => (exit = r));
    const pid = this.nextPid++;
    this.probes.push({
      request,
      pid,
      answer: (r) => answer({ pid, latencyMs: 1, ...defaults(r.state), ...r } as ProbeResult),
      exit,
    });
    return { result, exited };
  }

  readonly tableListeners: (() => void)[] = [];

  /** Only when asked for (tableNotices): not every prober tells of table changes. */
  declare onTableChange?: (listener: () => void) => void;

  constructor(opts: { tableNotices?: boolean } = {}) {
    if (opts.tableNotices) this.onTableChange = (l) => void this.tableListeners.push(l);
  }

  /** As the C server does on a mount or unmount. */
  tableChanged(): void {
    for (const l of this.tableListeners) l();
  }

  inFlightFor(path: string): FakeProbe[] {
    return this.probes.filter((p) => p.request.path === path);
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

function defaults(state: ProbeResult['state']): Partial<ProbeResult> {
  switch (state) {
    case 'ok':
      return { entries: 1, mode: 0o755, uid: 0, gid: 0, capacity: { totalBytes: 100, freeBytes: 50, availBytes: 50, totalInodes: 10, freeInodes: 5 } };
    case 'error':
      return { errno: 'EIO', message: 'Input/output error', stage: 'stat' };
    case 'denied':
      return { mode: 0, uid: 0, message: 'mode 000 does not allow access' };
    case 'hung':
      return {};
    case 'unchecked':
      return { message: 'prober was killed by SIGKILL' };
  }
}

/** Lets pending promise callbacks run. */
export const tick = () => new Promise<void>((r) => setImmediate(r));
