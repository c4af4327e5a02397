// `mountstatus status --follow --json` as a real process (as any user): what a user sees, as it happens.
// Each line it prints is kept with the time it arrived, so a test can ask "when did /home become slow?".
import { spawn, type ChildProcess } from 'node:child_process';
import { BIN } from './cli-harness.js';
import { scaled } from '../../support/slowdown.js';

export interface FollowedLine {
  at: number;
  mount: { mountpoint: string; state?: string; removed?: true; watched?: string; blocked?: { count: number; processes: { pid: number; comm: string; uid: number }[] }; [k: string]: unknown };
}

export class Follower {
  readonly child: ChildProcess;
  readonly lines: FollowedLine[] = [];
  stderr = '';
  private buffer = '';
  private waiters: (() => void)[] = [];

  constructor(socketPath: string, opts: { uid?: number; gid?: number } = {}) {
    this.child = spawn(process.execPath, [BIN, 'status', '--follow', '--json', '--socket', socketPath], {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(opts.uid !== undefined ? { uid: opts.uid, gid: opts.gid ?? opts.uid } : {}),
    });
    this.child.stdout!.setEncoding('utf8');
    this.child.stdout!.on('data', (chunk: string) => {
      this.buffer += chunk;
      let nl: number;
      while ((nl = this.buffer.indexOf('\n')) >= 0) {
        const line = this.buffer.slice(0, nl);
        this.buffer = this.buffer.slice(nl + 1);
        if (line.trim() !== '') this.lines.push({ at: Date.now(), mount: JSON.parse(line) });
      }
      for (const w of this.waiters.splice(0)) w();
    });
    this.child.stderr!.on('data', (d: Buffer) => (this.stderr += d));
    this.child.on('exit', () => {
      for (const w of this.waiters.splice(0)) w();
    });
  }

  /** The first line at or after index `from` that matches, waiting for it up to timeoutMs. */
  async waitFor(match: (m: FollowedLine['mount']) => boolean, timeoutMs = 10_000, from = 0): Promise<FollowedLine> {
    const deadline = Date.now() + scaled(timeoutMs);
    for (;;) {
      const hit = this.lines.slice(from).find((l) => match(l.mount));
      if (hit) return hit;
      if (Date.now() > deadline || this.child.exitCode !== null) {
        throw new Error(`no matching line within ${scaled(timeoutMs)} ms; got:\n${this.lines.map((l) => JSON.stringify(l.mount)).join('\n')}\nstderr: ${this.stderr}`);
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.max(0, deadline - Date.now()));
        this.waiters.push(() => (clearTimeout(t), resolve()));
      });
    }
  }

  /** The latest line about a mountpoint. */
  latest(mountpoint: string): FollowedLine['mount'] | undefined {
    return this.lines.filter((l) => l.mount.mountpoint === mountpoint).at(-1)?.mount;
  }

  /** SIGINT, as a user's ^C; resolves with the exit code. */
  async interrupt(): Promise<number | null> {
    if (this.child.exitCode !== null) return this.child.exitCode;
    const done = new Promise<number | null>((r) => this.child.once('exit', (code) => r(code)));
    this.child.kill('SIGINT');
    return done;
  }

  stop(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}
