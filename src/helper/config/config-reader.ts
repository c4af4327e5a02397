// Reads the config file in a child process with a deadline. A readFile() here on a FIFO
// waits for a writer forever, and one on a hung NFS mount forever too: either way in a libuv thread
// that never comes back, no reload ever ran again, and the process could no longer exit (libuv joins
// its threads at exit). The child (read-config-child.ts) makes every filesystem call on the path; past the
// deadline, or when the caller aborts (SIGTERM), it gets SIGKILL and the read fails. A child that
// survives SIGKILL (D state on a hung mount: the FUSE or NFS request is already in flight) is left to the
// kernel, and no second one is started on top of it until it exits, so SIGHUPs cannot pile them up.
// The deadline counts from the child's word that it is about to read, not from its spawn: starting Node
// takes 7-9 s on a starved or emulated machine, and was once taken for a config file on a hung mount.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { SettingsError } from '../../node/config/settings.js';

export type ConfigText = { text: string } | { absent: true };

/** A config file is a few hundred bytes; a bigger one is a mistake (a log file named by accident). */
export const MAX_CONFIG_BYTES = 1024 * 1024;
const CONFIG_READ_TIMEOUT_MS = 5000;
/** For the child to start and say so: only a machine that cannot start a process at all takes this long. */
const READER_START_TIMEOUT_MS = 60_000;

const CHILD = fileURLToPath(new URL('./read-config-child.js', import.meta.url));

export interface ReadOptions {
  timeoutMs?: number;
  /** Aborting kills the read at once (the daemon's SIGTERM). */
  signal?: AbortSignal;
}

export class ConfigReader {
  /** The last child that did not exit after SIGKILL, until it does. */
  private stuck: ChildProcess | undefined;

  read(path: string, options: ReadOptions = {}): Promise<ConfigText> {
    const timeoutMs = options.timeoutMs ?? CONFIG_READ_TIMEOUT_MS;
    const fail = (why: string) => new SettingsError(`cannot read config file ${path}: ${why}`);
    if (this.stuck) {
      return Promise.reject(fail(`the last read (child process ${this.stuck.pid}) is still stuck after SIGKILL; not reading it again until that one exits`));
    }
    if (options.signal?.aborted) return Promise.reject(fail('stopped'));
    // process.execPath is Node, or the app's Electron with ELECTRON_RUN_AS_NODE inherited from our environment.
    const child = spawn(process.execPath, [CHILD, path, String(MAX_CONFIG_BYTES)], { stdio: ['ignore', 'pipe', 'ignore'] });
    return new Promise<ConfigText>((resolve, reject) => {
      let out = '';
      let settled = false;
      const finish = (err: SettingsError | undefined, value?: ConfigText) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve(value!);
      };
      const giveUp = (why: string) => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGKILL');
          // Whether it dies is the kernel's business: never wait for it, never let it hold the event loop.
          this.stuck = child;
          child.once('exit', () => {
            if (this.stuck === child) this.stuck = undefined;
          });
          child.stdout!.destroy();
          child.unref();
        }
        finish(fail(why));
      };
      const onAbort = () => giveUp('stopped');
      let timer = setTimeout(() => giveUp(`the reader did not start within ${READER_START_TIMEOUT_MS / 1000} seconds`), READER_START_TIMEOUT_MS);
      let reading = false;
      options.signal?.addEventListener('abort', onAbort, { once: true });
      child.stdout!.setEncoding('utf8');
      child.stdout!.on('data', (chunk: string) => {
        out += chunk;
        if (!reading && out.includes('\n')) {
          reading = true;
          clearTimeout(timer);
          timer = setTimeout(() => giveUp(`no answer within ${timeoutMs / 1000} seconds (is it on a hung mount?)`), timeoutMs);
        }
        if (out.length > 8 * MAX_CONFIG_BYTES) giveUp('the reader said too much');
      });
      child.once('error', (err) => finish(fail(`cannot start the reader: ${err.message}`)));
      child.once('close', (code, signal) => {
        let reply: { text?: unknown; absent?: unknown; error?: unknown };
        try {
          // Its first line is the word that it is reading; the answer follows.
          reply = JSON.parse(out.slice(out.indexOf('\n') + 1));
        } catch {
          finish(fail(`the reader exited with ${signal ?? code} without an answer`));
          return;
        }
        if (typeof reply.text === 'string') finish(undefined, { text: reply.text });
        else if (reply.absent === true) finish(undefined, { absent: true });
        else finish(fail(typeof reply.error === 'string' ? reply.error : 'the reader gave no answer'));
      });
    });
  }
}

/** The one reader of the process: its "still stuck" memory must span every reload. */
export const configReader = new ConfigReader();
