// Which connection goes when the metrics port has too many. Node's own limit (server.maxConnections)
// turns away the newest: one local user holding every place with requests she never finishes (re-opened
// as the header timeout closes them) kept every scrape out. Here every connection is let in, and when that
// makes one too many, one that is not being answered goes: from the address holding the most such
// connections, its oldest. A scrape sends its whole request at once and is answered within milliseconds,
// so it is not the one that goes while half-sent requests wait their turn to be closed.
import type { Socket } from 'node:net';

export class ConnectionPool {
  /** Open connections, oldest first (a Map keeps insertion order), with how many requests are being answered. */
  private readonly open = new Map<Socket, { answering: number }>();

  constructor(private readonly max: number) {}

  admit(socket: Socket): void {
    this.open.set(socket, { answering: 0 });
    socket.once('close', () => this.open.delete(socket));
    if (this.open.size > this.max) this.evict();
  }

  /** A request on `socket` is being answered (true) or its answer is done (false). */
  answering(socket: Socket, now: boolean): void {
    const state = this.open.get(socket);
    if (state) state.answering += now ? 1 : -1;
  }

  private evict(): void {
    const waiting = [...this.open].filter(([, s]) => s.answering === 0).map(([socket]) => socket);
    const held = new Map<string, number>();
    for (const s of waiting) held.set(peer(s), (held.get(peer(s)) ?? 0) + 1);
    let victim: Socket | undefined;
    for (const s of waiting) if (victim === undefined || held.get(peer(s))! > held.get(peer(victim))!) victim = s;
    if (!victim) return; // every one is being answered (the newest, just admitted, is not: never here)
    this.open.delete(victim); // at once: more may arrive before its 'close'
    victim.destroy();
  }
}

function peer(socket: Socket): string {
  return socket.remoteAddress ?? '';
}
