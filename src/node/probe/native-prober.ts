// The fast prober: one long-lived C fork server (dist/native/msm-prober) forks a child per probe
// (~0.3 ms), kills it at the deadline and reaps it. This process only writes requests and reads answers;
// it never touches a mountpoint. If the server dies, the probes it had are failed as errors (stage
// "fork"), the children it left are watched until gone, and the next probe starts a new server.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { errorResult, pathHex, toResult } from './answer.js';
import { encodeProbe, parseServerLine, USAGE_REQUEST, type ServerUsage } from './native-protocol.js';
import { ProbeHandle } from './probe-handle.js';
import { whenGone } from './process-gone.js';
import type { Prober, ProbeRequest, ProbeRun } from './prober.js';

/** dist/native/msm-prober, seen from dist/src/node/probe/ (built by `make native`). */
export function nativeProberPath(): string {
  return fileURLToPath(new URL('../../../native/msm-prober', import.meta.url));
}

export interface NativeProberOptions {
  /** The fork server binary; default nativeProberPath(). */
  binary?: string;
  /** How long the server reaps its killed children after close() before it exits (default 2000 ms). */
  reapMs?: number;
  /**
   * If the server has not answered a probe this long after its timeout, it is taken as wedged and
   * killed (its probes fail, the next probe restarts it). Default 5000 ms.
   */
  watchdogGraceMs?: number;
  /** Open paths with the component walk that kernels without openat2(2) (before 5.6) get: for tests. */
  componentWalk?: boolean;
  spawn?: typeof spawn;
}

interface Server {
  child: ChildProcessWithoutNullStreams;
  pending: Map<number, ProbeHandle>;
  usageWaiters: ((u: ServerUsage) => void)[];
  exit: Promise<void>;
  dead: boolean;
  /** Requests made in this tick, written in one write() on the next tick (a sweep asks for all at once). */
  outbox: string;
  /** The one watchdog timer (not one per probe), and when it fires (performance.now() ms). */
  watchdog: NodeJS.Timeout | undefined;
  watchdogAt: number;
}

export class NativeProber implements Prober {
  readonly kind = 'native';
  private server: Server | undefined;
  private nextId = 1;
  private closed = false;
  private readonly binary: string;
  private readonly reapMs: number;
  private readonly graceMs: number;
  private readonly spawnFn: typeof spawn;
  private readonly args: string[];

  constructor(options: NativeProberOptions = {}) {
    this.binary = options.binary ?? nativeProberPath();
    this.reapMs = options.reapMs ?? 2000;
    this.graceMs = options.watchdogGraceMs ?? 5000;
    this.spawnFn = options.spawn ?? spawn;
    this.args = ['--reap-ms', String(this.reapMs), ...(options.componentWalk ? ['--no-openat2'] : [])];
  }

  probe(request: ProbeRequest): ProbeRun {
    if (this.closed) return ProbeHandle.refused(request.timeoutMs);
    const handle = new ProbeHandle(request.timeoutMs);
    const server = this.ensureServer();
    const id = this.nextId++;
    server.pending.set(id, handle);
    if (server.pending.size === 1) this.refWhileBusy(server);
    this.send(server, encodeProbe(id, request, pathHex(request.path, request.pathBytes)));
    this.armWatchdog(server, handle.startedAt + request.timeoutMs + this.graceMs);
    return handle.run;
  }

  private send(server: Server, request: string): void {
    if (server.outbox === '') process.nextTick(() => this.flush(server));
    server.outbox += request;
  }

  private flush(server: Server): void {
    const out = server.outbox;
    server.outbox = '';
    if (out !== '' && !server.dead && !server.child.stdin.writableEnded) server.child.stdin.write(out);
  }

  /**
   * The server keeps every deadline; this only catches a server that stopped answering altogether. One
   * timer for all probes, set for the earliest time an answer is overdue; when it fires it kills the
   * server if any probe is overdue, else re-arms for the next one (a scan of the probes in flight).
   */
  private armWatchdog(server: Server, at: number): void {
    if (server.watchdog && server.watchdogAt <= at) return;
    if (server.watchdog) clearTimeout(server.watchdog);
    server.watchdogAt = at;
    server.watchdog = setTimeout(() => {
      server.watchdog = undefined;
      if (server.dead) return;
      const now = performance.now();
      let next = Infinity;
      for (const h of server.pending.values()) {
        if (h.resultSettled) continue;
        const due = h.startedAt + h.timeoutMs + this.graceMs;
        if (due <= now) {
          server.child.kill('SIGKILL');
          return;
        }
        next = Math.min(next, due);
      }
      if (next !== Infinity) this.armWatchdog(server, next);
    }, Math.max(0, at - performance.now()));
    server.watchdog.unref();
  }

  /** CPU and memory of the fork server and the children it reaped (for the benchmark). */
  usage(): Promise<ServerUsage> {
    const server = this.ensureServer();
    return new Promise((resolve) => {
      server.usageWaiters.push(resolve);
      this.refWhileBusy(server);
      this.send(server, USAGE_REQUEST);
    });
  }

  /** PID of the running fork server, if any. */
  get serverPid(): number | undefined {
    return this.server && !this.server.dead ? this.server.child.pid : undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
    const server = this.server;
    if (!server) return;
    for (const h of server.pending.values())
      h.settleResult(errorResult(h.pid, h.elapsedMs(), 'ECANCELED', 'fork', 'probe cancelled: prober closed'));
    // EOF tells the server to SIGKILL every child, reap them for at most reapMs, and exit.
    this.refWhileBusy(server, true);
    this.flush(server);
    server.child.stdin.end();
    await server.exit;
  }

  private ensureServer(): Server {
    if (this.server && !this.server.dead) return this.server;
    const child = this.spawnFn(this.binary, this.args, {
      stdio: ['pipe', 'pipe', 'inherit'],
    }) as unknown as ChildProcessWithoutNullStreams;
    let onExit!: () => void;
    const server: Server = {
      child,
      pending: new Map(),
      usageWaiters: [],
      exit: new Promise((r) => (onExit = r)),
      dead: false,
      outbox: '',
      watchdog: undefined,
      watchdogAt: Infinity,
    };
    this.server = server;

    // The server writes a whole loop iteration's lines at once: walk the chunk, keep only the tail.
    let rest = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      const text = rest === '' ? chunk : rest + chunk;
      let start = 0;
      let nl: number;
      while ((nl = text.indexOf('\n', start)) >= 0) {
        this.onLine(server, text.slice(start, nl));
        start = nl + 1;
      }
      rest = text.slice(start);
    });
    // A write to a server that just died fails with EPIPE: the exit handler below deals with it.
    child.stdin.on('error', () => {});
    const died = (why: string, errno: string): void => {
      if (server.dead) return;
      server.dead = true;
      if (server.watchdog) clearTimeout(server.watchdog);
      for (const h of server.pending.values()) {
        h.settleResult(errorResult(h.pid, h.elapsedMs(), errno, 'fork', `probe fork server ${why}`));
        // Its children were re-parented and will be reaped by init: wait until they are gone.
        void whenGone(h.pid).then(() => h.settleExited());
      }
      server.pending.clear();
      onExit();
    };
    child.on('error', (e: NodeJS.ErrnoException) => died(`could not run ${this.binary}: ${e.message}`, e.code ?? 'EIO'));
    // 'close' rather than 'exit': every answer line the server wrote has been read by then. Its children
    // close their copy of stdout first thing, so a stuck child does not delay this.
    child.on('close', (code, signal) => died(`exited (${signal ?? `code ${code}`})`, 'EPIPE'));
    return server;
  }

  private onLine(server: Server, line: string): void {
    const ev = parseServerLine(line);
    if (!ev) return;
    if (ev.type === 'usage') {
      server.usageWaiters.shift()?.(ev.usage);
      this.refWhileBusy(server);
      return;
    }
    if (ev.type === 'version' || ev.type === 'complaint') return;
    if (ev.type === 'started') {
      for (const { id, pid } of ev.forks) {
        const h = server.pending.get(id);
        if (h) h.pid = pid;
      }
      return;
    }
    const h = server.pending.get(ev.id);
    if (!h) return;
    h.pid = ev.pid;
    switch (ev.type) {
      case 'answer':
        h.settleResult(toResult(ev.answer, ev.pid, ev.latencyUs / 1000));
        if (ev.reaped) this.reaped(server, ev.id, h);
        break;
      case 'hung':
        h.settleResult({ state: 'hung', pid: ev.pid, latencyMs: ev.latencyUs / 1000 });
        break;
      case 'reaped':
        this.reaped(server, ev.id, h);
        break;
    }
  }

  private reaped(server: Server, id: number, h: ProbeHandle): void {
    server.pending.delete(id);
    h.settleExited();
    if (server.pending.size === 0) this.refWhileBusy(server);
  }

  /** Keeps Node running while probes are in flight, and lets it exit when the prober is idle. */
  private refWhileBusy(server: Server, force = false): void {
    const busy = force || this.closed || server.pending.size > 0 || server.usageWaiters.length > 0;
    for (const s of [server.child, server.child.stdin, server.child.stdout] as { ref(): void; unref(): void }[]) {
      if (busy) s.ref();
      else s.unref();
    }
  }
}
