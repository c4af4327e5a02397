// Passive signals from the kernel log: the NFS and CIFS clients say when a server stops answering and
// when it is back, long before a probe of ours would time out, and without touching any mount.
//
// /dev/kmsg (kernel Documentation/ABI/testing/dev-kmsg): every read() returns exactly one record
//   "PRI,SEQ,TS_USEC,FLAGS[,...];MESSAGE\n" followed by optional " KEY=VALUE\n" continuation lines;
// PRI = facility*8 + level (facility 0 = the kernel; lines written to /dev/kmsg by user space get
// facility 1, "user", unless they name another, and never 0: kernel/printk/printk.c devkmsg_write()
// "we enforce LOG_USER, to be able to reliably distinguish kernel-generated messages from
// userspace-injected ones"); non-printable bytes in MESSAGE are written as \xNN. A
// read on an O_NONBLOCK fd with nothing new fails with EAGAIN; EPIPE means records were overwritten
// before we read them (the next read continues with the oldest one still there).
//
// The lines we look for (exact kernel format strings):
//   net/sunrpc/clnt.c call_timeout():  "%s: server %s not responding, still trying"   (hard mounts)
//                                      "%s: server %s not responding, timed out"      (soft mounts)
//   net/sunrpc/clnt.c call_decode():   "%s: server %s OK"
// where the first %s is the RPC program ("nfs", also "lockd", "nfsacl", "mount", "rpcbind") and the second
// the server name as given at mount time (host name or address).
//   fs/smb/client/connect.c server_unresponsive(), through cifs_server_dbg(VFS, ...) whose prefix is
//   "CIFS: " (pr_fmt) + "VFS: \\<hostname> " (fs/smb/client/cifs_debug.h):
//                                      "CIFS: VFS: \\srv has not responded in 180 seconds. Reconnecting..."
//   older kernels (cifs_dbg(VFS, "Server %s has not responded ...") with pr_fmt "CIFS VFS: "):
//                                      "CIFS VFS: Server srv has not responded in 120 seconds. Reconnecting..."
//   smb2_reconnect() via cifs_tcon_dbg(VFS, ...), prefix "VFS: <tree name> ":
//                                      "CIFS: VFS: \\srv\share reconnect tcon failed rc = -11"
// CIFS prints no "server OK" line at the default log level; recovery there is seen by the next probe.
//
// Only the kernel's own records count: anything with write access to /dev/kmsg could
// otherwise make the helper probe a server's mounts, or mark them suspect, by writing the same words.
import { closeSync, constants, openSync, readSync } from 'node:fs';
import type { ServerSignalKind } from '../../node/monitor/server-suspects.js';


export interface ServerSignal {
  /** Server name as the kernel printed it ("nfs1", "10.0.0.5", "fileserver"). */
  server: string;
  kind: ServerSignalKind;
  fs: 'nfs' | 'cifs';
  /** RPC program for NFS-family lines ("nfs", "lockd", ...). */
  program?: string;
}

export interface KmsgRecord {
  facility: number;
  level: number;
  seq: number;
  /** Kernel timestamp, microseconds since boot. */
  usec: number;
  /** First line of the message, \xNN escapes decoded. */
  message: string;
}

export interface KmsgSignal extends ServerSignal {
  /** When we read it (epoch ms). Polling makes this at most one poll interval late. */
  at: number;
  seq: number;
  usec: number;
  text: string;
}

/** Facility 0: written by the kernel itself, never by a process writing to /dev/kmsg. */
const KERNEL_FACILITY = 0;

function unescapeKmsg(s: string): string {
  return s.indexOf('\\x') < 0 ? s : s.replace(/\\x([0-9a-fA-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
}

/** Parses one /dev/kmsg record; undefined when it is not in the documented format. */
export function parseKmsgRecord(record: string): KmsgRecord | undefined {
  const semi = record.indexOf(';');
  if (semi < 0) return undefined;
  const head = record.slice(0, semi).split(',');
  if (head.length < 4) return undefined;
  const pri = Number(head[0]);
  const seq = Number(head[1]);
  const usec = Number(head[2]);
  if (!Number.isInteger(pri) || !Number.isInteger(seq) || !Number.isFinite(usec)) return undefined;
  const nl = record.indexOf('\n', semi + 1);
  const message = unescapeKmsg(record.slice(semi + 1, nl < 0 ? record.length : nl));
  return { facility: pri >> 3, level: pri & 7, seq, usec, message };
}

const NFS_RE = /^([a-z][\w-]*): server (\S+) (?:not responding, (still trying|timed out)|(OK))$/;
const CIFS_NEW_RE = /^CIFS: VFS: \\\\([^\\\s]+)\S* (?:has not responded in \d+ seconds\. Reconnecting\.\.\.|reconnect tcon failed rc = -?\d+)$/;
const CIFS_OLD_RE = /^CIFS:? VFS: Server (\S+) has not responded in \d+ seconds\. Reconnecting\.\.\.$/;

function fromKernel(record: KmsgRecord): boolean {
  return record.facility === KERNEL_FACILITY;
}

/**
 * The server signal in one /dev/kmsg record, read at `at`: undefined for anything else, and for a
 * record user space wrote, whatever it says.
 */
export function kernelSignal(record: KmsgRecord, at: number): KmsgSignal | undefined {
  if (!fromKernel(record)) return undefined;
  const sig = parseServerSignal(record.message);
  return sig && { ...sig, at, seq: record.seq, usec: record.usec, text: record.message };
}

/** Recognises a server-health line of the NFS or CIFS client (message text, without the record header). */
export function parseServerSignal(message: string): ServerSignal | undefined {
  const text = message.trimEnd();
  let m = NFS_RE.exec(text);
  if (m) {
    const kind: ServerSignalKind = m[4] ? 'ok' : m[3] === 'timed out' ? 'timed-out' : 'not-responding';
    return { server: m[2]!, kind, fs: 'nfs', program: m[1]! };
  }
  m = CIFS_NEW_RE.exec(text) ?? CIFS_OLD_RE.exec(text);
  if (m) return { server: m[1]!, kind: 'not-responding', fs: 'cifs' };
  return undefined;
}

export interface KmsgFollowerOptions {
  onSignal: (signal: KmsgSignal) => void;
  /** A read failed in an unexpected way (the follower stops). */
  onError?: (error: Error) => void;
  path?: string;
  /** How often to read new records. Default 250 ms. */
  pollMs?: number;
  now?: () => number;
}

/**
 * Follows /dev/kmsg from "now" on: opens it non-blocking, skips everything already logged, then reads new
 * records every pollMs (a non-blocking read never blocks the event loop or a libuv thread; /dev/kmsg
 * cannot be put into a Node stream). Needs read access to /dev/kmsg (root, or kernel.dmesg_restrict=0).
 */
export class KmsgFollower {
  private fd: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly buf = Buffer.alloc(16 * 1024);
  private readonly opts: KmsgFollowerOptions;
  /** Records read, of them written by user space (ignored), lost to overwriting (EPIPE), and signals found. */
  readonly counts = { records: 0, fromUserSpace: 0, overwritten: 0, signals: 0 };

  constructor(options: KmsgFollowerOptions) {
    this.opts = options;
  }

  /** Opens /dev/kmsg and skips the backlog. Throws (EACCES, ENOENT) so the caller can log why. */
  start(): void {
    if (this.fd !== undefined) return;
    this.fd = openSync(this.opts.path ?? '/dev/kmsg', constants.O_RDONLY | constants.O_NONBLOCK);
    // No lseek(SEEK_END) in Node: drain what is already there instead (at most the log buffer, once).
    this.readAvailable(false);
    this.timer = setInterval(() => this.poll(), this.opts.pollMs ?? 250);
    this.timer.unref();
  }

  /** Reads whatever is new now and reports the signals in it (the timer calls this too). */
  poll(): KmsgSignal[] {
    return this.readAvailable(true);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private readAvailable(report: boolean): KmsgSignal[] {
    const found: KmsgSignal[] = [];
    if (this.fd === undefined) return found;
    for (;;) {
      let n: number;
      try {
        n = readSync(this.fd, this.buf, 0, this.buf.length, null);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') break;
        if (code === 'EPIPE') {
          this.counts.overwritten++;
          continue;
        }
        this.stop();
        this.opts.onError?.(e as Error);
        break;
      }
      if (n <= 0) break;
      if (!report) continue;
      this.counts.records++;
      const rec = parseKmsgRecord(this.buf.toString('utf8', 0, n));
      if (!rec) continue;
      if (!fromKernel(rec)) {
        this.counts.fromUserSpace++;
        continue;
      }
      const s = kernelSignal(rec, (this.opts.now ?? Date.now)());
      if (!s) continue;
      this.counts.signals++;
      found.push(s);
      try {
        this.opts.onSignal(s);
      } catch (e) {
        this.opts.onError?.(e as Error);
      }
    }
    return found;
  }
}
