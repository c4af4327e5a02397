// The fallback prober, for when the C prober is not built: a Node child per probe (probe-child.js).
// Same answers as the native prober, but a Node child costs ~100 ms of CPU and ~40 MB, so at most
// `concurrency` run at once; a hung child gives its place up at its timeout, so stuck mounts never
// hold up the others.
import { spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { errorResult, pathHex, toResult, type RawAnswer } from './answer.js';
import { ProbeHandle } from './probe-handle.js';
import type { Prober, ProbeRequest, ProbeRun } from './prober.js';

export interface NodeProberOptions {
  /** Children running at once (default 2 × cores). */
  concurrency?: number;
  /** How long close() waits for killed children to be reaped (default 2000 ms). */
  reapMs?: number;
  spawn?: typeof spawn;
}

interface Queued {
  handle: ProbeHandle;
  request: ProbeRequest;
}

export class NodeProber implements Prober {
  readonly kind = 'node';
  private readonly script = fileURLToPath(new URL('./probe-child.js', import.meta.url));
  private readonly queue: Queued[] = [];
  private readonly running = new Map<ProbeHandle, ChildProcess>();
  private readonly unreaped = new Set<ProbeHandle>();
  private active = 0;
  private closed = false;
  private readonly concurrency: number;
  private readonly reapMs: number;
  private readonly spawnFn: typeof spawn;

  constructor(options: NodeProberOptions = {}) {
    this.concurrency = options.concurrency ?? 2 * availableParallelism();
    this.reapMs = options.reapMs ?? 2000;
    this.spawnFn = options.spawn ?? spawn;
  }

  probe(request: ProbeRequest): ProbeRun {
    if (this.closed) return ProbeHandle.refused(request.timeoutMs);
    const handle = new ProbeHandle(request.timeoutMs);
    this.queue.push({ handle, request });
    this.pump();
    return handle.run;
  }

  probePids(): number[] {
    return [...this.running.values()].flatMap((c) => (c.pid !== undefined && c.exitCode === null && c.signalCode === null ? [c.pid] : []));
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const q of this.queue.splice(0)) {
      q.handle.settleResult(errorResult(0, 0, 'ECANCELED', 'fork', 'probe cancelled: prober closed'));
      q.handle.settleExited();
    }
    for (const [h, child] of this.running) {
      h.settleResult(errorResult(h.pid, h.elapsedMs(), 'ECANCELED', 'fork', 'probe cancelled: prober closed'));
      child.kill('SIGKILL');
    }
    const all = Promise.all([...this.unreaped].map((h) => h.run.exited));
    await Promise.race([all, new Promise((r) => setTimeout(r, this.reapMs).unref())]);
  }

  private pump(): void {
    while (this.active < this.concurrency && this.queue.length > 0) {
      const { handle, request } = this.queue.shift()!;
      this.start(handle, request);
    }
  }

  private start(handle: ProbeHandle, request: ProbeRequest): void {
    this.active++;
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      this.active--;
      this.running.delete(handle);
      this.pump();
    };
    const started = performance.now();
    const elapsed = (): number => performance.now() - started;
    const args = [pathHex(request.path, request.pathBytes), request.asOwner ? '1' : '0', String(request.mount?.id ?? -1), request.mount?.device || '-', request.asUser ? `${request.asUser.uid}:${request.asUser.gid}` : '-'];
    const child = this.spawnFn(process.execPath, [this.script, ...args], {
      stdio: ['ignore', 'pipe', 'ignore'],
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, // in the app, execPath is Electron: run it as Node, not a second app
    });
    handle.pid = child.pid ?? 0;
    this.running.set(handle, child);
    this.unreaped.add(handle);
    const timer = setTimeout(() => {
      if (handle.resultSettled) return;
      child.kill('SIGKILL');
      handle.settleResult({ state: 'hung', pid: handle.pid, latencyMs: elapsed() });
      release(); // its place goes to the next probe; the killed child may stay stuck for a long time
    }, request.timeoutMs);

    let out = '';
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (s: string) => (out += s));
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      handle.settleResult(errorResult(handle.pid, elapsed(), e.code ?? 'EIO', 'fork', `could not start a probe child: ${e.message}`));
      handle.settleExited();
      this.unreaped.delete(handle);
      release();
    });
    // 'close': exited, reaped, and its stdout read to the end.
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (!handle.resultSettled) {
        let a: RawAnswer | undefined;
        try {
          a = JSON.parse(out) as RawAnswer;
        } catch {
          a = undefined;
        }
        handle.settleResult(
          a ? toResult(a, handle.pid, elapsed()) : errorResult(handle.pid, elapsed(), 'ECHILD', 'fork', `probe child ended without answering (${signal ?? `code ${code}`})`),
        );
      }
      handle.settleExited();
      this.unreaped.delete(handle);
      release();
    });
  }
}
