// Puts the homes of the people using this machine into the monitor's watch tier: users with a connected
// client (the tray app, `mountstatus status`: their uid from the socket, never from what they say), and
// users who are logged in (sessions.ts), so a user without the tray app is covered too. Homes come from
// the user database through UserDb (a child per lookup, under a deadline: a hung LDAP never stalls us).
import { loggedInUsers, type SessionSources } from './sessions.js';
import { UserDb } from './user-db.js';

export interface HomeWatchOptions {
  /** Receives the current list of home directories whenever it changes. */
  watch: (dirs: readonly string[]) => void;
  users?: UserDb;
  sessions?: SessionSources;
  /** How often sessions are read again (default 5000 ms). */
  sessionPollMs?: number;
}

export class HomeWatch {
  private readonly users: UserDb;
  /** Connected clients per uid (a user may have several). */
  private readonly clients = new Map<number, number>();
  private sessionUids: number[] = [];
  private sessionNames: string[] = [];
  private timer: NodeJS.Timeout | undefined;
  private last = '';
  private generation = 0;
  private stopped = false;

  constructor(private readonly options: HomeWatchOptions) {
    this.users = options.users ?? new UserDb();
  }

  start(): void {
    this.stopped = false;
    void this.pollSessions();
    this.timer = setInterval(() => void this.pollSessions(), this.options.sessionPollMs ?? 5000);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** A client of this uid connected; call the returned function when it disconnects. */
  clientConnected(uid: number): () => void {
    this.clients.set(uid, (this.clients.get(uid) ?? 0) + 1);
    void this.refresh();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const n = (this.clients.get(uid) ?? 1) - 1;
      if (n <= 0) this.clients.delete(uid);
      else this.clients.set(uid, n);
      void this.refresh();
    };
  }

  private async pollSessions(): Promise<void> {
    const now = await loggedInUsers(this.options.sessions);
    if (now.uids.join() === this.sessionUids.join() && now.names.join() === this.sessionNames.join()) return;
    this.sessionUids = now.uids;
    this.sessionNames = now.names;
    await this.refresh();
  }

  /** Resolves every wanted user's home (cached lookups) and hands the list on when it changed. */
  private async refresh(): Promise<void> {
    const generation = ++this.generation;
    const keys = [...new Set<number | string>([...this.clients.keys(), ...this.sessionUids, ...this.sessionNames])];
    const entries = await Promise.all(keys.map((k) => this.users.lookup(k)));
    // A later refresh started meanwhile: its answer is the newer one.
    if (generation !== this.generation || this.stopped) return;
    const dirs = [...new Set(entries.flatMap((e) => (e && e.home !== '/' ? [e.home] : [])))].sort();
    const key = dirs.join('\0');
    if (key === this.last) return;
    this.last = key;
    this.options.watch(dirs);
  }
}
