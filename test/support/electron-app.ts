// Runs the app's real entry point (package.json "main") as a child process under Node, with `electron`
// resolved to the recording stand-in (electron-stand-in/), optionally as another user: the test sees
// every Electron call the app makes, in order, and drives it (menu and tray clicks, IPC from the window,
// quit) over the child's IPC channel.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Call, Command } from './electron-stand-in/electron.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url)); // from dist/test/support/
export const MAIN = `${ROOT}${(JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { main: string }).main}`;
const REGISTER = fileURLToPath(new URL('./electron-stand-in/register.js', import.meta.url));

type CommandBody = Command extends infer C ? (C extends { id: number } ? Omit<C, 'id'> : never) : never;

export interface AppUnderTest {
  readonly pid: number;
  /** Every call so far, in order. */
  readonly calls: Call[];
  /** Calls named `what`. */
  named(what: string): Call[];
  /** Resolves with the first call (from the start) for which `match` holds; rejects after timeoutMs. */
  waitFor(match: (c: Call) => boolean, what: string, timeoutMs?: number): Promise<Call>;
  command(c: CommandBody): Promise<unknown>;
  /** The exit status, once it has exited (as the stand-in's app.quit/app.exit or otherwise). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
  /** SIGKILL if still running. */
  kill(): Promise<void>;
}

export function startApp(options: { env: NodeJS.ProcessEnv; uid?: number; gid?: number; cwd?: string }): AppUnderTest {
  const child = spawn(process.execPath, ['--import', REGISTER, MAIN], {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: options.env,
    cwd: options.cwd ?? '/',
    ...(options.uid !== undefined ? { uid: options.uid } : {}),
    ...(options.gid !== undefined ? { gid: options.gid } : {}),
  });
  const calls: Call[] = [];
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  let waiters: (() => void)[] = [];
  const replies = new Map<number, (r: { ok: boolean; value: unknown }) => void>();
  child.on('message', (m: { type: string; id?: number; ok?: boolean; value?: unknown }) => {
    if (m.type === 'call') calls.push(m as unknown as Call);
    else if (m.type === 'reply') replies.get(m.id!)?.({ ok: m.ok!, value: m.value });
    for (const w of waiters.splice(0)) w();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  void exited.then(() => {
    for (const w of waiters.splice(0)) w();
  });
  let done = false;
  void exited.then(() => (done = true));
  let nextId = 1;
  return {
    pid: child.pid!,
    calls,
    named: (what) => calls.filter((c) => c.what === what),
    async waitFor(match, what, timeoutMs = 15_000) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const hit = calls.find(match);
        if (hit) return hit;
        if (done) throw new Error(`the app exited before: ${what}\n--- output ---\n${output}`);
        if (Date.now() > end) throw new Error(`timed out waiting for: ${what}\n--- calls ---\n${calls.map((c) => `${c.at} ${c.what} ${JSON.stringify(c.args)}`).join('\n')}\n--- output ---\n${output}`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 200);
        });
      }
    },
    command(c) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        replies.set(id, (r) => (r.ok ? resolve(r.value) : reject(new Error(String(r.value)))));
        child.send({ ...c, id });
      });
    },
    exited,
    output: () => output,
    async kill() {
      if (!done) {
        child.kill('SIGKILL');
        await exited;
      }
      waiters = [];
    },
  };
}
