// Runs the real `mountstatus` command as a child process, as users and supervisors do.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { asUser, type User } from '../../support/test-user.js';
import { scaled } from '../../support/slowdown.js';

export const BIN = fileURLToPath(new URL('../../../../bin/mountstatus.js', import.meta.url));

/** The V8 flags the installed command runs with (its shebang: `#!/usr/bin/env -S node --flag ...`). */
export const SHIPPED_NODE_FLAGS = readFileSync(BIN, 'utf8').split('\n', 1)[0]!.split(/\s+/).filter((w) => w.startsWith('--'));

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** user: run as that user with setpriv (no supplementary groups), as an attacker's process would be. */
export function runCli(args: string[], opts: { timeoutMs?: number; uid?: number; gid?: number; user?: User; slowReaderMs?: number } = {}): Promise<RunResult> {
  const started = Date.now();
  const argv = [process.execPath, BIN, ...args];
  const [cmd, ...rest] = opts.user ? asUser(opts.user, argv) : argv;
  return new Promise((resolve, reject) => {
    const child = spawn(cmd!, rest, {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(opts.uid !== undefined ? { uid: opts.uid, gid: opts.gid ?? opts.uid } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    if (opts.slowReaderMs) {
      // A reader that is late to read: the pipe fills and the command's writes must wait, not be lost.
      child.stdout.pause();
      setTimeout(() => child.stdout.resume(), opts.slowReaderMs);
    }
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`mountstatus ${args.join(' ')} did not finish in ${scaled(opts.timeoutMs ?? 30_000)} ms; stderr: ${stderr}`));
    }, scaled(opts.timeoutMs ?? 30_000));
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** A long-running `mountstatus daemon` whose stderr (the log lines) the test can wait on. */
export class DaemonProcess {
  readonly child: ChildProcess;
  stderr = '';
  private waiters: { re: RegExp; resolve: () => void }[] = [];

  /**
   * shippedFlags: run with the V8 flags of the installed command, for tests that measure memory.
   * user: run as that user (setpriv, no supplementary groups).
   * enter: run under this command (e.g. nsenter into a fleet host's namespaces), which must exec it.
   */
  constructor(args: string[], opts: { shippedFlags?: boolean; user?: User; enter?: (argv: string[]) => string[] } = {}) {
    let argv = [process.execPath, ...(opts.shippedFlags ? SHIPPED_NODE_FLAGS : []), BIN, 'daemon', ...args];
    if (opts.user) argv = asUser(opts.user, argv);
    if (opts.enter) argv = opts.enter(argv);
    const [cmd, ...rest] = argv;
    this.child = spawn(cmd!, rest, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stderr!.on('data', (d: Buffer) => {
      this.stderr += d;
      this.waiters = this.waiters.filter((w) => {
        if (!w.re.test(this.stderr)) return true;
        w.resolve();
        return false;
      });
    });
    this.child.stdout!.resume();
  }

  get pid(): number {
    return this.child.pid!;
  }

  waitFor(re: RegExp, timeoutMs = 15_000): Promise<void> {
    if (re.test(this.stderr)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${re} within ${scaled(timeoutMs)} ms; stderr so far:\n${this.stderr}`)), scaled(timeoutMs));
      this.waiters.push({ re, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }

  count(re: RegExp): number {
    return this.stderr.split('\n').filter((l) => re.test(l)).length;
  }

  exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) {
      return Promise.resolve({ code: this.child.exitCode, signal: this.child.signalCode });
    }
    return new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  stop(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

/** Runs a scenario; when it fails, its error ends with the end of what the daemon said (`said()`), and `also()` (the kernel's lines). */
export async function withDaemonLog(said: () => string, scenario: () => Promise<void>, also?: () => string): Promise<void> {
  try {
    await scenario();
  } catch (e) {
    const log = `\n--- the daemon's log (end) ---\n${said().slice(-6000)}${also ? `\n${also()}` : ''}`;
    // The stack was made with the message, and the test runner prints the stack.
    (e as Error).message += log;
    (e as Error).stack += log;
    throw e;
  }
}

/**
 * The daemon, once it has swept (`swept`: its "Checked N mounts" line); its stop is pushed on `cleanups`.
 * Started a second time only when the first gave up reading its config file: the helper allows that child
 * 5 s, which an emulated lab guest on a loaded machine sometimes needs more than; anything else throws.
 */
export async function startSweptDaemon(args: string[], swept: RegExp, cleanups: (() => void | Promise<void>)[]): Promise<DaemonProcess> {
  for (let attempt = 1; ; attempt++) {
    const daemon = new DaemonProcess(args);
    cleanups.push(() => daemon.stop());
    const exited = daemon.exited().then(() => 'exited' as const);
    const first = await Promise.race([daemon.waitFor(swept, 20_000).then(() => 'swept' as const, (e: Error) => e), exited]);
    if (first === 'swept') return daemon;
    if (first instanceof Error) throw first;
    if (attempt > 1 || !/cannot read config file .*: no answer within/.test(daemon.stderr)) throw new Error(`the daemon exited before its first sweep: ${daemon.stderr}`);
    console.log(`# the daemon gave up reading its config file in the loaded guest; started again: ${daemon.stderr.trim()}`);
  }
}
