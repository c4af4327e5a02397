// Users' home directories from the user database, without ever stalling the helper: NSS may be LDAP or
// sssd over the network, and a lookup in this process (getpwuid) would block the event loop as long as
// the directory server does not answer, on the very day the network is down. So each lookup is a child
// (`getent passwd KEY`, nsswitch-aware), killed at a deadline; answers are cached, misses and timeouts
// for a shorter while, and concurrent lookups of one key share one child.
import { execFile } from 'node:child_process';

export interface UserEntry {
  name: string;
  uid: number;
  home: string;
}

export interface UserDbOptions {
  /** Deadline for one lookup (default 3000 ms). */
  timeoutMs?: number;
  /** How long an answer is kept (default 10 min). */
  ttlMs?: number;
  /** How long a miss or timeout is kept (default 60 s). */
  missTtlMs?: number;
  now?: () => number;
  /** The lookup command (tests): argv[0] and the arguments before the key. Default getent passwd. */
  command?: [string, ...string[]];
}

export class UserDb {
  private readonly cache = new Map<string, { entry: UserEntry | undefined; until: number }>();
  private readonly inFlight = new Map<string, Promise<UserEntry | undefined>>();
  private readonly timeoutMs: number;
  private readonly ttlMs: number;
  private readonly missTtlMs: number;
  private readonly now: () => number;
  private readonly command: [string, ...string[]];

  constructor(options: UserDbOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 3000;
    this.ttlMs = options.ttlMs ?? 10 * 60_000;
    this.missTtlMs = options.missTtlMs ?? 60_000;
    this.now = options.now ?? Date.now;
    this.command = options.command ?? ['getent', 'passwd'];
  }

  /** The user with this uid or name; undefined when unknown or the database did not answer in time. */
  lookup(key: number | string): Promise<UserEntry | undefined> {
    const k = String(key);
    const hit = this.cache.get(k);
    if (hit && hit.until > this.now()) return Promise.resolve(hit.entry);
    let pending = this.inFlight.get(k);
    if (!pending) {
      pending = this.ask(k).then((entry) => {
        this.inFlight.delete(k);
        this.cache.set(k, { entry, until: this.now() + (entry ? this.ttlMs : this.missTtlMs) });
        return entry;
      });
      this.inFlight.set(k, pending);
    }
    return pending;
  }

  private ask(key: string): Promise<UserEntry | undefined> {
    const [cmd, ...args] = this.command;
    return new Promise((resolve) => {
      // A name as utmp or a directory server may have it (even "-x"; "--" keeps it from being an option),
      // but nothing that cannot be a passwd(5) name: no ':', space, control character or '/'.
      if (!/^[A-Za-z0-9_.@-]+\$?$/.test(key)) return resolve(undefined);
      execFile(cmd, [...args, '--', key], { timeout: this.timeoutMs, killSignal: 'SIGKILL', encoding: 'utf8', maxBuffer: 64 * 1024 }, (err, stdout) => {
        resolve(err ? undefined : parsePasswdLine(stdout.split('\n')[0] ?? ''));
      });
    });
  }
}

/** name:password:uid:gid:gecos:home:shell (passwd(5)); undefined for anything else. */
export function parsePasswdLine(line: string): UserEntry | undefined {
  const f = line.split(':');
  if (f.length < 7) return undefined;
  const uid = Number(f[2]);
  const home = f[5]!;
  if (!Number.isInteger(uid) || uid < 0 || !home.startsWith('/')) return undefined;
  return { name: f[0]!, uid, home };
}
