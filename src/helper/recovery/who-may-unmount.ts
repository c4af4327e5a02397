// Who may ask the helper to unmount: root, and members of the configured `admin-group` (none by
// default). Decided from the socket's peer credentials (the kernel's SO_PEERCRED uid and gid), never from
// anything the client says. Group membership comes from the group database, which may be LDAP or sssd
// over the network and hang: so, as in user-db.ts, each lookup is a child (getent, id) killed at a
// deadline, and answers are cached; a lookup that does not answer refuses.
import { execFile } from 'node:child_process';
import type { PeerCredentials } from '../ipc/peer.js';
import { UserDb } from '../homes/user-db.js';

export type Permission = { ok: true; as: 'root' | 'admin-group' } | { ok: false; reason: string };

export interface WhoMayOptions {
  /** Group name (or number) whose members may unmount; undefined: root only. */
  adminGroup: string | undefined;
  /** Deadline for one lookup (default 3000 ms). */
  timeoutMs?: number;
  /** How long an answer is kept (default 60 s: a user just removed from the group loses it within a minute). */
  ttlMs?: number;
  now?: () => number;
  users?: UserDb;
}

/** Lines a command prints, or undefined when it failed or missed the deadline. */
function lookup(cmd: string, args: string[], timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, killSignal: 'SIGKILL', encoding: 'utf8', maxBuffer: 1024 * 1024 }, (err, stdout) => resolve(err ? undefined : stdout));
  });
}

/** A group name or number that cannot be taken for an option. */
const GROUP_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.@-]*\$?$/;

export function validAdminGroup(name: string): boolean {
  return GROUP_NAME.test(name);
}

export class WhoMayUnmount {
  private readonly timeoutMs: number;
  private readonly ttlMs: number;
  private readonly now: () => number;
  private readonly users: UserDb;
  private readonly cache = new Map<string, { answer: Permission; until: number }>();
  private readonly inFlight = new Map<string, Promise<Permission>>();

  constructor(private readonly options: WhoMayOptions) {
    this.timeoutMs = options.timeoutMs ?? 3000;
    this.ttlMs = options.ttlMs ?? 60_000;
    this.now = options.now ?? Date.now;
    this.users = options.users ?? new UserDb({ timeoutMs: this.timeoutMs, ttlMs: this.ttlMs, missTtlMs: 10_000 });
  }

  check(peer: PeerCredentials): Promise<Permission> {
    if (peer.uid === 0) return Promise.resolve({ ok: true, as: 'root' });
    const group = this.options.adminGroup;
    if (group === undefined) return Promise.resolve({ ok: false, reason: 'only root may unmount (no admin-group is configured)' });
    const key = `${group}\0${peer.uid}\0${peer.gid}`;
    const hit = this.cache.get(key);
    if (hit && hit.until > this.now()) return Promise.resolve(hit.answer);
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.ask(group, peer).then((answer) => {
        this.inFlight.delete(key);
        this.cache.set(key, { answer, until: this.now() + this.ttlMs });
        return answer;
      });
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  private async ask(group: string, peer: PeerCredentials): Promise<Permission> {
    const refused = (reason: string): Permission => ({ ok: false, reason });
    if (!validAdminGroup(group)) return refused(`admin-group ${JSON.stringify(group)} is not a group name`);
    // group(5): name:password:GID:members
    const line = (await lookup('getent', ['group', '--', group], this.timeoutMs))?.split('\n')[0];
    const gid = line === undefined ? NaN : Number(line.split(':')[2]);
    if (!Number.isInteger(gid)) return refused(`admin-group ${group} is not in the group database (or it did not answer)`);
    // The effective gid the kernel gave the connection (newgrp, sg): acting as the group.
    if (peer.gid === gid) return { ok: true, as: 'admin-group' };
    const user = await this.users.lookup(peer.uid);
    if (!user) return refused(`uid ${peer.uid} is not root and not in the user database (or it did not answer)`);
    // id(1) -G: the user's primary and supplementary groups, as NSS (initgroups) has them.
    const ids = await lookup('id', ['-G', '--', user.name], this.timeoutMs);
    if (ids === undefined) return refused(`the group database did not answer for ${user.name}`);
    if (ids.trim().split(/\s+/).map(Number).includes(gid)) return { ok: true, as: 'admin-group' };
    return refused(`uid ${peer.uid} (${user.name}) is neither root nor a member of admin-group ${group}`);
  }
}
