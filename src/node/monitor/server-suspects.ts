// What the kernel said about servers (its "nfs: server X not responding" and "... OK" lines; CIFS's
// "has not responded", which no OK line follows), kept by
// server name: which servers are suspect, with the kernel's words, until it reports them OK, and what it
// said last about each, since its lines are news only when that changes. The monitor marks a suspect
// server's mounts and probes them; this only keeps the facts.
import type { MountEntry } from '../../common/mount.js';
import { optionValue } from '../../common/mount-table/options.js';

export type ServerSignalKind = 'not-responding' | 'timed-out' | 'ok';

export class ServerSuspects {
  /** Servers the kernel reported not responding, with its words, until it reports them OK. */
  private readonly suspects = new Map<string, string>();
  /** What the kernel said last about each server it named. */
  private readonly kernelSaid = new Map<string, 'down' | 'ok'>();
  /**
   * Servers the kernel said were down in a line it never follows with an "OK" (CIFS), and when it said
   * so last: the first probe of one of their mounts started after that and answering well is the all-clear.
   */
  private readonly downUntilAnswered = new Map<string, number>();

  /**
   * Records a kernel line about `server`: `news` when it said something else last (the first line of an
   * episode), `marked` when the server's suspicion changed (its mounts' statuses must say so).
   * okLine false: the kernel prints no "OK" after this kind of line (CIFS); answered() clears it instead.
   */
  note(server: string, kind: ServerSignalKind, text: string, at: number, okLine: boolean): { down: boolean; news: boolean; marked: boolean } {
    const said = kind === 'ok' ? 'ok' : 'down';
    const news = this.kernelSaid.get(server) !== said;
    this.kernelSaid.set(server, said);
    if (said === 'down' && !okLine) this.downUntilAnswered.set(server, at);
    const suspect = this.suspects.get(server);
    if (said === 'ok') this.suspects.delete(server);
    else this.suspects.set(server, `kernel: ${text}`);
    return { down: said === 'down', news, marked: this.suspects.get(server) !== suspect };
  }

  /** Whether any server waits for an answer to clear it (so a good answer needs looking at). */
  get awaitingAnswers(): boolean {
    return this.downUntilAnswered.size > 0;
  }

  /**
   * A probe of one of `server`'s mounts, started at `startedAt`, answered well. True when that clears a
   * line with no "OK" to follow (said before the probe started): the server is no longer suspect, and
   * its next line is news.
   */
  answered(server: string, startedAt: number): boolean {
    const downAt = this.downUntilAnswered.get(server);
    if (downAt === undefined || startedAt < downAt) return false;
    this.downUntilAnswered.delete(server);
    this.kernelSaid.delete(server);
    this.suspects.delete(server);
    return true;
  }

  /** Why the mount is suspect (the kernel's words about its server), or undefined. */
  of(entry: MountEntry, server: string | undefined): string | undefined {
    if (this.suspects.size === 0) return undefined;
    let suspect: string | undefined;
    for (const name of serverNames(entry, server)) suspect ??= this.suspects.get(name);
    return suspect;
  }
}

/** The names a kernel line may use for a mount's server: the one in its source, and its addr= option. */
export function serverNames(entry: MountEntry, server: string | undefined): string[] {
  const addr = optionValue(entry.superOptions, 'addr');
  return [server, addr].filter((n): n is string => n !== undefined);
}
