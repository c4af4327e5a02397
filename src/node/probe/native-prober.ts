// The fast prober: one long-lived C prober (dist/native/msm-prober) gives each probe to a worker (a
// long-lived child probing mount after mount as each owner, a few µs a probe) or forks a child for it
// (~0.3 ms), kills the probe's process at the deadline and reaps it (msm-prober.c has the whole story).
// This process only writes requests and reads answers; it never touches a mountpoint.
//
// If the prober dies (or stops answering and is killed: the watchdog), that is our failure, not the
// mounts': each probe it had in flight is probed again on a new prober once its old child is gone (the
// prober's children die with it, PR_SET_PDEATHSIG), so a mount never has two probes in flight; a child
// still there at its probe's deadline is stuck in the kernel, and its probe is answered hung, like any
// other. A probe whose second prober dies too is answered unchecked: nothing is known about its mount,
// and a prober that dies on every request must not be started again and again. One event says what
// happened to the prober. A prober starved of CPU (a load average of 30 on 2 cores, a cgroup's quota)
// answers late but is alive: the watchdog waits for it (becameBusy).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { errorResult, pathHex, toResult } from './answer.js';
import { encodeProbe, parseProberLine, PING_REQUEST, PROTOCOL_VERSION, USAGE_REQUEST, type ProberUsage } from './native-protocol.js';
import { ProbeHandle } from './probe-handle.js';
import { whenGone } from './process-gone.js';
import { processProgress, type ProcessProgress } from './process-progress.js';
import type { Prober, ProbeRequest, ProbeRun } from './prober.js';

/** dist/native/msm-prober, seen from dist/src/node/probe/ (built by `make native`). */
export function nativeProberPath(): string {
  return fileURLToPath(new URL('../../../native/msm-prober', import.meta.url));
}

/** The prober died or stopped answering; what it had in flight is probed again on a new one. */
export interface ProberLost {
  pid: number;
  /** "was killed by SIGKILL", "exited with code 1", "stopped answering (no reply within 2 seconds) and was killed". */
  why: string;
  /** Probes it had not answered: each probed again once its old child is gone (or unchecked, on a second loss). */
  inFlight: number;
}

/** A line the prober wrote on its own: a warning, or its complaint about a request. */
export interface ProberSaid {
  pid: number;
  text: string;
}

/** The prober binary speaks another protocol version than this client. */
export interface ProtocolMismatch {
  binary: string;
  version: number;
  expected: number;
  /** True when probes go to the fallback prober from now on. */
  fallback: boolean;
}

export interface NativeProberOptions {
  /** The prober binary; default nativeProberPath(). */
  binary?: string;
  /** How long the prober reaps its killed children after close() before it exits (default 2000 ms). */
  reapMs?: number;
  /**
   * While probes are in flight the prober is asked every this many ms whether it is there (it answers
   * at once, whatever its probes do). One that has not answered by the next ask, and that neither runs
   * nor waits for a CPU nor said anything meanwhile, is taken as wedged (SIGSTOPped, say) and killed; one
   * starved of CPU is waited for, up to STARVED_GRACES of these. Default 2000 ms.
   */
  watchdogGraceMs?: number;
  /** Open paths with the component walk that kernels without openat2(2) (before 5.6) get: for tests. */
  componentWalk?: boolean;
  /**
   * A child per probe even where workers are possible (what macOS and the BSDs get): for tests and the
   * benchmark.
   */
  forkPerProbe?: boolean;
  /** Told once per lost prober (the daemon logs it). */
  onProberLost?: (event: ProberLost) => void;
  /** Told what the prober says on its own (a `?` line: "workers die as they start: ..."); the daemon logs it. */
  onProberSaid?: (event: ProberSaid) => void;
  /**
   * Told when the binary's banner names another protocol version (a binary of another release): it is
   * killed and not started again, and every probe goes to `fallback` from then on (or fails, without one).
   */
  onMismatch?: (event: ProtocolMismatch) => void;
  /** The prober to use instead of a mismatched binary. */
  fallback?: () => Prober;
  spawn?: typeof spawn;
}

/**
 * How many graces a prober that runs (or waits for a CPU) may go without answering a ping before it is
 * killed anyway: it answers a ping in microseconds of CPU, so one that still has not after 30 s (by
 * default) while it runs is looping, not starved (a 1 % CPU quota delays its answer by 1 s at most).
 */
const STARVED_GRACES = 15;

const NO_USAGE: ProberUsage = { userUs: 0, systemUs: 0, maxRssKb: 0, childUserUs: 0, childSystemUs: 0, childMaxRssKb: 0 };

interface Pending {
  handle: ProbeHandle;
  request: ProbeRequest;
  /** Already probed again after a lost prober: a second loss fails it (a prober that keeps dying). */
  retried: boolean;
}

interface ProberProcess {
  child: ChildProcessWithoutNullStreams;
  pending: Map<number, Pending>;
  usageWaiters: ((u: ProberUsage) => void)[];
  exit: Promise<void>;
  dead: boolean;
  /** Requests made in this tick, written in one write() on the next tick (a sweep asks for all at once). */
  outbox: string;
  watchdog: NodeJS.Timeout | undefined;
  /** When the ping now out was sent; undefined when none is unanswered. */
  pingedAt: number | undefined;
  /** The prober said something since the ping or the watchdog's last look: alive, if slow to answer the ping. */
  heard: boolean;
  /** Its CPU time (clock ticks) when the ping was sent, then when the watchdog last looked. */
  cpuTicks: number;
  /** Why the watchdog killed it, for the event's words. */
  wedged: string | undefined;
}

export class NativeProber implements Prober {
  readonly kind = 'native';
  private proc: ProberProcess | undefined;
  private nextId = 1;
  private closed = false;
  private readonly binary: string;
  private readonly reapMs: number;
  private readonly graceMs: number;
  private readonly spawnFn: typeof spawn;
  private readonly args: string[];
  private readonly onProberLost: ((event: ProberLost) => void) | undefined;
  private readonly onProberSaid: ((event: ProberSaid) => void) | undefined;
  private readonly onMismatch: ((event: ProtocolMismatch) => void) | undefined;
  private readonly makeFallback: (() => Prober) | undefined;
  /** Set once the binary turned out to speak another protocol: why it is not started again. */
  private mismatch: string | undefined;
  private fallback: Prober | undefined;
  private readonly tableListeners: (() => void)[] = [];

  constructor(options: NativeProberOptions = {}) {
    this.binary = options.binary ?? nativeProberPath();
    this.reapMs = options.reapMs ?? 2000;
    this.graceMs = options.watchdogGraceMs ?? 2000;
    this.spawnFn = options.spawn ?? spawn;
    this.args = ['--reap-ms', String(this.reapMs), ...(options.componentWalk ? ['--no-openat2'] : []), ...(options.forkPerProbe ? ['--fork-per-probe'] : [])];
    this.onProberLost = options.onProberLost;
    this.onProberSaid = options.onProberSaid;
    this.onMismatch = options.onMismatch;
    this.makeFallback = options.fallback;
  }

  probe(request: ProbeRequest): ProbeRun {
    if (this.closed) return ProbeHandle.refused(request.timeoutMs);
    const handle = new ProbeHandle(request.timeoutMs);
    this.dispatch({ handle, request, retried: false });
    return handle.run;
  }

  private dispatch(p: Pending): void {
    if (this.mismatch !== undefined) return this.notHere(p);
    const proc = this.ensureProcess();
    const id = this.nextId++;
    p.handle.pid = 0; // not forked yet on this prober
    proc.pending.set(id, p);
    if (proc.pending.size === 1) this.becameBusy(proc);
    this.send(proc, encodeProbe(id, p.request, pathHex(p.request.path, p.request.pathBytes)));
  }

  private send(proc: ProberProcess, request: string): void {
    if (proc.outbox === '') process.nextTick(() => this.flush(proc));
    proc.outbox += request;
  }

  private flush(proc: ProberProcess): void {
    const out = proc.outbox;
    proc.outbox = '';
    if (out !== '' && !proc.dead && !proc.child.stdin.writableEnded) proc.child.stdin.write(out);
  }

  /**
   * The prober keeps every deadline; this only catches a prober that stopped answering altogether. One
   * timer while anything is in flight: each tick sends a ping, unless one is still out. A ping unanswered
   * at the next tick means the prober is wedged only if it also made no progress (wedged()): under CPU
   * starvation a healthy prober answers late, and killing it would fail every probe it had in flight.
   */
  private becameBusy(proc: ProberProcess): void {
    this.refWhileBusy(proc);
    if (proc.watchdog) return;
    const arm = (): void => {
      proc.watchdog = setTimeout(tick, this.graceMs);
      proc.watchdog.unref();
    };
    const tick = (): void => {
      if (proc.dead || !this.busy(proc)) return void (proc.watchdog = undefined);
      if (proc.pingedAt === undefined) {
        proc.pingedAt = performance.now();
        // What the prober has done so far, to tell it from what it does while the ping waits.
        proc.heard = false;
        proc.cpuTicks = this.progress(proc)?.cpuTicks ?? 0;
        this.send(proc, PING_REQUEST);
        return arm();
      }
      // Judged after this turn's reads: an answer that came while this process was itself starved of
      // CPU waits in the pipe, and timers run before the loop reads (setImmediate runs after).
      setImmediate(() => {
        if (proc.dead || !this.busy(proc)) return void (proc.watchdog = undefined);
        if (proc.pingedAt === undefined) return tick();
        proc.wedged = this.wedged(proc);
        if (proc.wedged === undefined) return arm();
        proc.watchdog = undefined;
        proc.child.kill('SIGKILL');
      });
    };
    arm();
  }

  /**
   * Why a prober whose ping is unanswered is taken as wedged, or undefined while it is slow but alive:
   * it said something since the last look, or it runs or waits for a CPU (state R), or its CPU time
   * grew. Without /proc (macOS, the BSDs) an unanswered ping is all there is to go by.
   */
  private wedged(proc: ProberProcess): string | undefined {
    const silentMs = performance.now() - proc.pingedAt!;
    const heard = proc.heard;
    proc.heard = false;
    const now = this.progress(proc);
    const ran = now !== undefined && (now.state === 'R' || now.cpuTicks > proc.cpuTicks);
    if (now) proc.cpuTicks = now.cpuTicks;
    if (!heard && !ran) return `stopped answering (no reply within ${seconds(this.graceMs)} seconds) and was killed`;
    if (silentMs >= STARVED_GRACES * this.graceMs) return `ran without answering for ${seconds(silentMs)} seconds and was killed`;
    return undefined;
  }

  private busy(proc: ProberProcess): boolean {
    return proc.pending.size > 0 || proc.usageWaiters.length > 0;
  }

  private progress(proc: ProberProcess): ProcessProgress | undefined {
    return proc.child.pid === undefined ? undefined : processProgress(proc.child.pid);
  }

  /** CPU and memory of the prober and the children it reaped (for the benchmark). */
  usage(): Promise<ProberUsage> {
    if (this.mismatch !== undefined) return Promise.resolve(NO_USAGE);
    const proc = this.ensureProcess();
    return new Promise((resolve) => {
      proc.usageWaiters.push(resolve);
      this.becameBusy(proc);
      this.send(proc, USAGE_REQUEST);
    });
  }

  /** The fallback prober's children, once a mismatched binary was refused (the prober's are its descendants). */
  probePids(): number[] {
    return this.fallback?.probePids?.() ?? [];
  }

  /** PID of the running prober, if any. */
  get proberPid(): number | undefined {
    return this.proc && !this.proc.dead ? this.proc.child.pid : undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.fallback?.close();
    const proc = this.proc;
    if (!proc) return;
    for (const { handle: h } of proc.pending.values())
      h.settleResult(errorResult(h.pid, h.elapsedMs(), 'ECANCELED', 'fork', 'probe cancelled: prober closed'));
    // EOF tells the prober to SIGKILL every child, reap them for at most reapMs, and exit.
    this.refWhileBusy(proc, true);
    this.flush(proc);
    proc.child.stdin.end();
    await proc.exit;
  }

  private ensureProcess(): ProberProcess {
    if (this.proc && !this.proc.dead) return this.proc;
    const child = this.spawnFn(this.binary, this.args, {
      stdio: ['pipe', 'pipe', 'inherit'],
    }) as unknown as ChildProcessWithoutNullStreams;
    let onExit!: () => void;
    const proc: ProberProcess = {
      child,
      pending: new Map(),
      usageWaiters: [],
      exit: new Promise((r) => (onExit = r)),
      dead: false,
      outbox: '',
      watchdog: undefined,
      pingedAt: undefined,
      heard: false,
      cpuTicks: 0,
      wedged: undefined,
    };
    this.proc = proc;

    // The prober writes a whole loop iteration's lines at once: walk the chunk, keep only the tail.
    let rest = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      const text = rest === '' ? chunk : rest + chunk;
      let start = 0;
      let nl: number;
      while ((nl = text.indexOf('\n', start)) >= 0) {
        this.onLine(proc, text.slice(start, nl));
        start = nl + 1;
      }
      rest = text.slice(start);
    });
    // A write to a prober that just died fails with EPIPE: the exit handler below deals with it.
    child.stdin.on('error', () => {});
    child.on('error', (e: NodeJS.ErrnoException) => this.lost(proc, onExit, undefined, `could not run ${this.binary}: ${e.message}`, e.code ?? 'EIO'));
    // 'close' rather than 'exit': every answer line the prober wrote has been read by then. Its children
    // close their copy of stdout first thing, so a stuck child does not delay this.
    child.on('close', (code, signal) => {
      const why = proc.wedged ?? (signal
          ? `was killed by ${signal}`
          : `exited with code ${code}`);
      this.lost(proc, onExit, child.pid, why, 'EPIPE');
    });
    return proc;
  }

  /**
   * The prober is gone. Probes it answered wait for their children to be gone (they were re-parented;
   * init reaps them). Each unanswered one is probed again on a new prober once its old child is gone, or
   * answered hung if that child is still there at the probe's deadline: then it is stuck in the kernel
   * (its SIGKILL came with the prober's death) and must not get a second probe beside it; one lost a
   * second time is answered unchecked (the mount keeps what it had). A prober that never ran (no binary)
   * fails its probes as data: what the admin must see.
   */
  private lost(proc: ProberProcess, onExit: () => void, pid: number | undefined, why: string, errno: string): void {
    if (proc.dead) return;
    proc.dead = true;
    if (proc.watchdog) clearTimeout(proc.watchdog);
    const lost = [...proc.pending.values()];
    proc.pending.clear();
    for (const waiter of proc.usageWaiters.splice(0)) waiter(NO_USAGE);
    onExit();
    let inFlight = 0;
    for (const p of lost) {
      const h = p.handle;
      if (h.resultSettled) {
        void whenGone(h.pid).then(() => h.settleExited());
        continue;
      }
      inFlight++;
      if (pid === undefined || p.retried || this.closed) {
        const message = `prober ${why}`;
        h.settleResult(p.retried ? { state: 'unchecked', pid: h.pid, latencyMs: h.elapsedMs(), message } : errorResult(h.pid, h.elapsedMs(), errno, 'fork', message));
        void whenGone(h.pid).then(() => h.settleExited());
        continue;
      }
      p.retried = true;
      void this.reprobeWhenGone(p);
    }
    // Closed by us (close()) or refused for its version (said already): nothing lost to report.
    if (pid !== undefined && !this.closed && this.mismatch === undefined && this.onProberLost) this.onProberLost({ pid, why, inFlight });
  }

  private async reprobeWhenGone(p: Pending): Promise<void> {
    const h = p.handle;
    const oldPid = h.pid;
    if (oldPid > 0) {
      const deadline = h.startedAt + h.timeoutMs - performance.now();
      let timer: NodeJS.Timeout | undefined;
      const gone = await Promise.race([
        whenGone(oldPid).then(() => true),
        new Promise<false>((r) => (timer = setTimeout(() => r(false), Math.max(0, deadline)))),
      ]);
      clearTimeout(timer);
      if (!gone) {
        h.settleResult({ state: 'hung', pid: oldPid, latencyMs: h.elapsedMs() });
        void whenGone(oldPid).then(() => h.settleExited());
        return;
      }
    }
    if (this.closed) {
      h.settleResult(errorResult(0, h.elapsedMs(), 'ECANCELED', 'fork', 'probe cancelled: prober closed'));
      h.settleExited();
      return;
    }
    this.dispatch(p);
  }

  onTableChange(listener: () => void): void {
    this.tableListeners.push(listener);
  }

  private tableChanged(): void {
    for (const l of this.tableListeners) l();
  }

  private onLine(proc: ProberProcess, line: string): void {
    // After a refused banner nothing the binary says can be read right.
    if (this.mismatch !== undefined) return;
    const ev = parseProberLine(line);
    if (!ev) return;
    proc.heard = true;
    switch (ev.type) {
      case 'usage':
        proc.usageWaiters.shift()?.(ev.usage);
        this.refWhileBusy(proc);
        return;
      case 'alive':
        proc.pingedAt = undefined;
        return;
      case 'version':
        if (ev.version !== PROTOCOL_VERSION) return this.refuse(proc, ev.version);
        // A new prober watches the table from now on: what changed before it started went unseen.
        this.tableChanged();
        return;
      case 'table-changed':
        this.tableChanged();
        return;
      case 'complaint':
        this.onProberSaid?.({ pid: proc.child.pid ?? 0, text: ev.text });
        return;
      case 'started':
        for (const { id, pid } of ev.forks) {
          const p = proc.pending.get(id);
          if (p) p.handle.pid = pid;
        }
        return;
    }
    const h = proc.pending.get(ev.id)?.handle;
    if (!h) return;
    h.pid = ev.pid;
    switch (ev.type) {
      case 'answer':
        h.settleResult(toResult(ev.answer, ev.pid, ev.latencyUs / 1000));
        if (ev.reaped) this.reaped(proc, ev.id, h);
        break;
      case 'hung':
        h.settleResult({ state: 'hung', pid: ev.pid, latencyMs: ev.latencyUs / 1000 });
        break;
      case 'reaped':
        this.reaped(proc, ev.id, h);
        break;
    }
  }

  /**
   * The binary speaks another protocol version: its answers cannot be read right, so it is killed (its
   * children die with it) and never started again. Its probes are probed again once their children are
   * gone, by the fallback prober (the lost-prober path).
   */
  private refuse(proc: ProberProcess, version: number): void {
    if (this.mismatch !== undefined) return;
    this.mismatch = `${this.binary} speaks probe protocol ${version}, not ${PROTOCOL_VERSION}`;
    this.onMismatch?.({ binary: this.binary, version, expected: PROTOCOL_VERSION, fallback: this.makeFallback !== undefined });
    proc.child.kill('SIGKILL');
  }

  /** A probe asked after the binary was refused: the fallback prober's, or an error as data. */
  private notHere(p: Pending): void {
    const h = p.handle;
    if (!this.makeFallback) {
      h.settleResult(errorResult(0, h.elapsedMs(), 'ENOEXEC', 'fork', `probe not started: ${this.mismatch}`));
      h.settleExited();
      return;
    }
    const run = (this.fallback ??= this.makeFallback()).probe(p.request);
    void run.result.then((r) => {
      h.pid = r.pid;
      h.settleResult(r);
    });
    void run.exited.then(() => h.settleExited());
  }

  private reaped(proc: ProberProcess, id: number, h: ProbeHandle): void {
    proc.pending.delete(id);
    h.settleExited();
    if (proc.pending.size === 0) this.refWhileBusy(proc);
  }

  /** Keeps Node running while probes are in flight, and lets it exit when the prober is idle. */
  private refWhileBusy(proc: ProberProcess, force = false): void {
    const busy = force || this.closed || this.busy(proc);
    for (const s of [proc.child, proc.child.stdin, proc.child.stdout] as { ref(): void; unref(): void }[]) {
      if (busy) s.ref();
      else s.unref();
    }
  }
}

/** 2000 → "2", 300 → "0.3". */
function seconds(ms: number): string {
  return String(Math.round(ms / 100) / 10);
}
