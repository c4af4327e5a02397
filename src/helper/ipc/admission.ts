// Who may connect: the quotas of limits.ts, by the uid the kernel reports for each connection (peer.ts).
// One user can hold at most maxClientsPerUser connections, users other than root together at most
// maxClients - reservedForRoot, so neither one user nor all of them can lock root out, and one user cannot
// lock the others out.
import type { IpcLimits } from './limits.js';

export type AdmissionLimits = Pick<IpcLimits, 'maxClients' | 'maxClientsPerUser' | 'reservedForRoot'>;

export interface Refusal {
  /** For the log, summarised per uid (refusal-log.ts): "too many clients of this user (limit 8)". */
  reason: string;
  /** For the client's error reply: what happened and what to do. */
  message: string;
}

export class Admission {
  private total = 0;
  private users = 0; // connections of uids other than 0
  private readonly byUid = new Map<number, number>();

  constructor(private readonly limits: AdmissionLimits) {}

  /** Takes a slot for `uid`, or says why not. Every admitted connection is released exactly once. */
  admit(uid: number): Refusal | undefined {
    const { maxClients, maxClientsPerUser, reservedForRoot } = this.limits;
    if (this.total >= maxClients) {
      return { reason: `too many clients (limit ${maxClients})`, message: `the helper already serves ${maxClients} clients; try again later` };
    }
    if (uid !== 0) {
      const mine = this.byUid.get(uid) ?? 0;
      if (mine >= maxClientsPerUser) {
        return {
          reason: `too many clients of this user (limit ${maxClientsPerUser})`,
          message: `uid ${uid} already has ${mine} connections to the helper, the most one user may have: close one (a tray app, a \`mountstatus status --follow\`) and try again`,
        };
      }
      const forUsers = maxClients - reservedForRoot;
      if (this.users >= forUsers) {
        return {
          reason: `too many clients of users other than root (limit ${forUsers})`,
          message: `the helper already serves ${forUsers} clients of users other than root (the rest is kept for root); try again later`,
        };
      }
      this.byUid.set(uid, mine + 1);
      this.users++;
    }
    this.total++;
    return undefined;
  }

  release(uid: number): void {
    this.total--;
    if (uid === 0) return;
    this.users--;
    const left = (this.byUid.get(uid) ?? 1) - 1;
    if (left > 0) this.byUid.set(uid, left);
    else this.byUid.delete(uid);
  }
}
