// Sends lines to the system log through one long-lived logger(1) child.
//
// Why a child: /dev/log is a SOCK_DGRAM Unix socket (rsyslog imuxsock, journald's /run/systemd/journal/
// dev-log) and Node's dgram module only does UDP; net.Socket only does streams. util-linux logger
// (Debian package bsdutils, Essential: yes, so always installed) speaks the local syslog protocol:
//   logger --prio-prefix --id=<our pid> -t MountStatusMonitor -u <socket> --socket-errors=on
// reads one message per stdin line, "<PRI>text" (logger(1), --prio-prefix), and stamps each with
// `MountStatusMonitor[<our pid>]`. With CAP_SYS_ADMIN, --id also sets SCM_CREDENTIALS to our PID, so a
// daemon that trusts socket credentials (journald) records us, not logger (logger(1), --id); without it
// (the unit's bounding set) the PID is written into the tag instead.
//
// Logging must never block or stop monitoring:
// - write() only pushes onto a bounded in-memory queue and returns. The queue feeds logger's stdin
//   until Node's own buffer for the pipe reaches its high-water mark (write() returns false; we wait
//   for 'drain'), so at most ~16 KiB sit in Node besides our bounded queue.
// - A stalled daemon (SIGSTOPped rsyslogd) fills its socket queue (net.unix.max_dgram_qlen), so logger
//   blocks in send(), its stdin pipe fills, and our queue reaches maxQueued: then the oldest lines are
//   dropped and counted, and when syslog takes lines again a "Dropped N log messages" line is written
//   where the gap is.
// - No socket (logger exits at once with "socket /dev/log: No such file or directory"), or logger not
//   installed: lines go to the fallback (stderr) and are counted; logger is retried with exponential
//   backoff, and once it connects a "Syslog was unavailable" line says how many went to stderr only.
// - logger dying while connected (killed, or the daemon went away and logger's reconnect failed): it
//   is restarted with backoff; lines queue meanwhile. Lines already in the dead child's pipe are lost.
// Readiness: logger opens and connects its socket before it reads stdin, so we wait until it holds a
// connected socket (reading /proc is not a mountpoint access) before sending lines to it; where /proc
// is missing we wait readyTimeoutMs instead. Its fds 0 and 2 do not count: Node's stdio "pipes" are
// socketpairs (libuv uv_spawn), so they read "socket:[ino]" from the moment logger exists; and a socket
// counts once /proc/<pid>/net/unix shows it connected (St 03, SS_CONNECTED), not just created.
import { spawn as nodeSpawn, type ChildProcess } from 'node:child_process';
import { escapeControlChars } from './escape.js';
import { syslogDropped, syslogReachable, syslogUnavailable, syslogUnreachable, syslogWriterRestarting, type LogLine } from './lines.js';
import { IDENT, pri } from './severity.js';
import { CAP_SYS_ADMIN, hasCapability, procHasSocket } from './logger-connection.js';
import { LineQueue } from './line-queue.js';

export type SyslogState = 'starting' | 'up' | 'restarting' | 'unavailable' | 'closed';

export interface SyslogStats {
  state: SyslogState;
  socket: string;
  /** logger's PID while it runs. */
  loggerPid: number | undefined;
  /** Lines handed to logger's stdin. */
  written: number;
  /** Lines waiting in our queue now. */
  queued: number;
  /** Lines dropped from a full queue (stalled syslog), in total. */
  dropped: number;
  /** Lines that went to the fallback only because syslog was unavailable, in total. */
  unavailable: number;
  /** How many logger processes were started, and how many exited. */
  loggerStarts: number;
  loggerExits: number;
  /** Why syslog was last unavailable or logger last exited. */
  lastError: string | undefined;
}

export interface SyslogWriterOptions {
  /** The syslog socket. Default /dev/log. */
  socket?: string;
  /** The PID in `MountStatusMonitor[PID]`. Default process.pid. */
  pid?: number;
  ident?: string;
  loggerPath?: string;
  /** Bound on queued lines; beyond it the oldest are dropped. Default 1000. */
  maxQueued?: number;
  /** Longer lines are cut (logger -S; rsyslog's default maxMessageSize is 8 KiB). Default 4096. */
  maxLineBytes?: number;
  restartInitialMs?: number;
  restartMaxMs?: number;
  /** logger that has lived this long had been working: its next restart starts from restartInitialMs. */
  stableAfterMs?: number;
  readyTimeoutMs?: number;
  /** Where lines go that cannot reach syslog (stderr): never nowhere, so none is lost unsaid. */
  fallback: (line: LogLine) => void;
  /** The writer's own trouble (syslog unreachable, logger restarts), for stderr; never sent to syslog. */
  diagnostic: (line: LogLine) => void;
  spawn?: typeof nodeSpawn;
  /** Whether logger `pid` has connected its socket; undefined when it cannot tell. Default: /proc. */
  isConnected?: (pid: number) => Promise<boolean | undefined>;
  /** Whether logger may use --id (default: we hold CAP_SYS_ADMIN, so the logger child we start does too). */
  claimPid?: boolean;
}

const TRUNCATED = '...';

function truncate(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  let cut = Buffer.from(text).subarray(0, maxBytes - TRUNCATED.length).toString();
  // A cut through a multibyte character decodes to U+FFFD at the end; drop it.
  if (cut.endsWith('\uFFFD')) cut = cut.slice(0, -1);
  return cut + TRUNCATED;
}

export class SyslogWriter {
  private readonly socket: string;
  private readonly pid: number;
  /** Whether logger may stamp our PID into the socket credentials (--id). */
  private readonly claimPid: boolean;
  private readonly ident: string;
  private readonly loggerPath: string;
  private readonly maxLineBytes: number;
  private readonly restartInitialMs: number;
  private readonly restartMaxMs: number;
  private readonly stableAfterMs: number;
  private readonly readyTimeoutMs: number;
  private readonly fallback: (line: LogLine) => void;
  private readonly diagnostic: (line: LogLine) => void;
  private readonly spawn: typeof nodeSpawn;
  private readonly isConnected: (pid: number) => Promise<boolean | undefined>;

  private state: SyslogState = 'starting';
  private child: ChildProcess | undefined;
  private childStartedAt = 0;
  private childStderr = '';
  private restartDelay: number;
  private restartTimer: NodeJS.Timeout | undefined;
  private readonly queue: LineQueue;
  private pendingDropped = 0;
  private pendingUnavailable = 0;
  private unavailableReason = '';
  /** Set while syslog is unreachable, so the diagnostic is said once per outage, not per retry. */
  private outage = false;
  private closing: Promise<void> | undefined;
  private readonly counters = { written: 0, dropped: 0, unavailable: 0, loggerStarts: 0, loggerExits: 0 };
  private lastError: string | undefined;

  constructor(options: SyslogWriterOptions) {
    this.socket = options.socket ?? '/dev/log';
    this.pid = options.pid ?? process.pid;
    this.claimPid = options.claimPid ?? hasCapability(CAP_SYS_ADMIN);
    this.ident = options.ident ?? IDENT;
    this.loggerPath = options.loggerPath ?? 'logger';
    this.queue = new LineQueue(options.maxQueued ?? 1000);
    this.maxLineBytes = options.maxLineBytes ?? 4096;
    this.restartInitialMs = options.restartInitialMs ?? 100;
    this.restartMaxMs = options.restartMaxMs ?? 30_000;
    this.stableAfterMs = options.stableAfterMs ?? 10_000;
    this.readyTimeoutMs = options.readyTimeoutMs ?? 1000;
    this.fallback = options.fallback;
    this.diagnostic = options.diagnostic;
    this.spawn = options.spawn ?? nodeSpawn;
    this.isConnected = options.isConnected ?? procHasSocket;
    this.restartDelay = this.restartInitialMs;
    this.start();
  }

  /** Queues one line for syslog and returns at once; never throws, never waits for the daemon. */
  write(line: LogLine): void {
    if (this.state === 'closed' || this.state === 'unavailable') {
      this.fallback(line);
      if (this.state === 'unavailable') {
        this.pendingUnavailable++;
        this.counters.unavailable++;
      }
      return;
    }
    if (this.queue.push(this.encode(line))) {
      this.pendingDropped++;
      this.counters.dropped++;
    }
    this.pump();
  }

  stats(): SyslogStats {
    return {
      state: this.state,
      socket: this.socket,
      loggerPid: this.child?.pid,
      queued: this.queue.length,
      lastError: this.lastError,
      ...this.counters,
    };
  }

  /**
   * Hands what is queued to logger, closes its stdin and waits up to timeoutMs for it to send
   * everything and exit (then SIGKILLs it). A logger still connecting is waited for first (a one-shot
   * `check --syslog` closes right after its sweep). Lines that never reached syslog are counted in a
   * last syslogUnavailable line on the diagnostic (stderr). Later writes go to the fallback.
   */
  close(timeoutMs = 2000): Promise<void> {
    this.closing ??= this.doClose(timeoutMs);
    return this.closing;
  }

  private async doClose(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.state === 'starting' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    const wasUp = this.state === 'up';
    if (this.restartTimer !== undefined) clearTimeout(this.restartTimer);
    const child = this.child;
    if (wasUp && child?.stdin) this.pump(true);
    else this.spillToFallback();
    this.state = 'closed';
    if (this.pendingUnavailable > 0) {
      const reason = this.unavailableReason || this.lastError || `logger did not connect to ${this.socket} in time`;
      this.diagnostic(syslogUnavailable(this.pendingUnavailable, reason));
      this.pendingUnavailable = 0;
    }
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.stdin?.end();
    });
  }

  private encode(line: LogLine): string {
    return `<${pri(line.severity)}>${truncate(escapeControlChars(line.text), this.maxLineBytes)}\n`;
  }

  private decode(encoded: string): LogLine {
    const m = /^<(\d+)>(.*)\n$/s.exec(encoded);
    const severities = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'] as const;
    return { severity: severities[Number(m?.[1] ?? 6) % 8]!, text: m?.[2] ?? encoded };
  }

  /** What is queued goes to the fallback (syslog cannot take it), counted for the unavailable line. */
  private spillToFallback(): void {
    for (const encoded of this.queue.takeAll()) {
      this.fallback(this.decode(encoded));
      this.pendingUnavailable++;
      this.counters.unavailable++;
    }
  }

  /**
   * Moves queued lines into logger's stdin until the stream asks us to wait (writableNeedDrain: a
   * write() returned false; its 'drain' calls pump again). force: everything, on close.
   */
  private pump(force = false): void {
    const stdin = this.child?.stdin;
    if (this.state !== 'up' || !stdin || stdin.destroyed) return;
    const send = (text: string) => {
      stdin.write(text);
      this.counters.written++;
    };
    if (this.pendingUnavailable > 0 && (force || !stdin.writableNeedDrain)) {
      send(this.encode(syslogUnavailable(this.pendingUnavailable, this.unavailableReason)));
      this.pendingUnavailable = 0;
    }
    while (this.queue.length > 0 && (force || !stdin.writableNeedDrain)) {
      if (this.pendingDropped > 0) {
        // Dropping is from the head, so the gap is right here, before the oldest surviving line.
        send(this.encode(syslogDropped(this.pendingDropped)));
        this.pendingDropped = 0;
      }
      send(this.queue.shift()!);
    }
  }

  private start(): void {
    if (this.state === 'closed') return;
    this.state = 'starting';
    this.childStderr = '';
    this.counters.loggerStarts++;
    // --id puts our PID in SCM_CREDENTIALS, which the kernel allows only with CAP_SYS_ADMIN (unix(7),
    // SCM_CREDENTIALS); without it (a unit's capability bounding set) every send would fail with EPERM,
    // so the PID goes into the tag instead: the same `MountStatusMonitor[PID]:` on the wire.
    const tag = ['--prio-prefix', ...(this.claimPid ? [`--id=${this.pid}`, '-t', this.ident] : ['-t', `${this.ident}[${this.pid}]`])];
    const args = [
      ...tag,
      '-u', this.socket,
      '--socket-errors=on',
      '-S', String(this.maxLineBytes + 512),
    ];
    let child: ChildProcess;
    try {
      child = this.spawn(this.loggerPath, args, { stdio: ['pipe', 'ignore', 'pipe'] });
    } catch (err) {
      this.onChildGone(undefined, `couldn't start ${this.loggerPath}: ${(err as Error).message}`);
      return;
    }
    this.child = child;
    this.childStartedAt = Date.now();
    let gone = false;
    const finish = (reason: string) => {
      if (gone) return;
      gone = true;
      this.onChildGone(child, reason);
    };
    child.stdin?.on('error', () => {
      // EPIPE when logger has exited; 'exit' below does the bookkeeping.
    });
    child.stdin?.on('drain', () => this.pump());
    // Node's stdio "pipes" are socketpairs: reads may fail with ECONNRESET when logger dies.
    child.stderr?.on('error', () => {});
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      this.childStderr = (this.childStderr + chunk).slice(-2048);
    });
    child.on('error', (err: NodeJS.ErrnoException) => {
      // ENOENT: logger is not installed (util-linux's bsdutils on Debian).
      finish(`couldn't start ${this.loggerPath}: ${err.code ?? err.message}`);
    });
    child.on('exit', (code, signal) => {
      // Let stderr's last chunk arrive so the reason is logger's own words.
      const describe = () => {
        const said = this.childStderr.trim().split('\n').pop()?.replace(/^logger: /, '');
        return said || (signal ? `logger was killed by ${signal}` : `logger exited with status ${code}`);
      };
      if (child.stderr && !child.stderr.readableEnded) child.stderr.once('end', () => finish(describe()));
      else finish(describe());
    });
    child.once('spawn', () => void this.waitUntilConnected(child));
  }

  private async waitUntilConnected(child: ChildProcess): Promise<void> {
    const deadline = Date.now() + this.readyTimeoutMs;
    while (this.child === child && this.state === 'starting') {
      const hasSocket = child.pid === undefined ? undefined : await this.isConnected(child.pid);
      if (hasSocket === true || Date.now() >= deadline) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    if (this.child !== child || this.state !== 'starting') return;
    this.state = 'up';
    if (this.outage) this.diagnostic(syslogReachable(this.socket));
    this.outage = false;
    this.pump();
  }

  private onChildGone(child: ChildProcess | undefined, reason: string): void {
    if (child !== undefined && this.child !== child) return;
    this.child = undefined;
    if (child !== undefined) this.counters.loggerExits++;
    this.lastError = reason;
    if (this.state === 'closed') return;
    const wasUp = this.state === 'up';
    const lived = child === undefined ? 0 : Date.now() - this.childStartedAt;
    if (wasUp && lived >= this.stableAfterMs) this.restartDelay = this.restartInitialMs;
    const delay = this.restartDelay;
    this.restartDelay = Math.min(this.restartMaxMs, this.restartDelay * 2);
    if (wasUp) {
      this.state = 'restarting';
      this.diagnostic(syslogWriterRestarting(reason, delay));
    } else {
      if (!this.outage) {
        this.diagnostic(syslogUnreachable(reason));
        this.outage = true;
      }
      this.state = 'unavailable';
      this.unavailableReason = reason;
      this.spillToFallback();
    }
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      this.start();
    }, delay);
    this.restartTimer.unref();
  }
}
