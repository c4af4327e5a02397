// The metrics as a file for node_exporter's textfile collector (--collector.textfile.directory), for
// sites that want no extra port open. Written whole and atomically: a temporary file in the same
// directory, then rename(2) over the target, so the collector reads the old text or the new one, never
// half (rename is atomic within one filesystem). The temporary name does not end in .prom, so the
// collector never reads it. The temporary file has an unpredictable name and is made with O_EXCL and
// O_NOFOLLOW (never an existing file or a link), and only in a directory no other account can write
// (textfile-directory.ts): a refusal is logged like any failed write, and monitoring goes on.
//
// Coalesced: a change schedules one write, at most one per minGapMs; a sweep of 1,000 mounts (1,000
// change events within a second) is one or two writes. One write at a time: if the directory were on a
// hung filesystem (it must not be: the collector's directory is local), only one libuv thread would wait
// on it, and no second write would pile up behind.
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { SettingsError } from '../../node/config/settings.js';
import { textfileDirectoryProblem } from './textfile-directory.js';

const CREATE_NEW = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/** node_exporter's textfile collector reads only files named *.prom. */
export function checkTextfilePath(path: string, where: string): string {
  if (!path.startsWith('/') || !path.endsWith('.prom') || basename(path) === '.prom') {
    throw new SettingsError(`${where}: expected an absolute path ending in .prom (node_exporter's textfile collector reads only *.prom), got ${JSON.stringify(path)}`);
  }
  return path;
}

export interface TextfileWriterOptions {
  path: string;
  text: () => Promise<Buffer>;
  /** A write failed (once per failure spell, with the error), or worked again after failing. */
  onError: (path: string, error: NodeJS.ErrnoException) => void;
  onRecovered: (path: string) => void;
  minGapMs?: number;
}

export class TextfileWriter {
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  private pending = false;
  private failing = false;
  private closed = false;
  private readonly minGapMs: number;

  constructor(private readonly opts: TextfileWriterOptions) {
    this.minGapMs = opts.minGapMs ?? 1000;
  }

  get path(): string {
    return this.opts.path;
  }

  /** Something changed: the file is rewritten within minGapMs. */
  changed(): void {
    if (this.closed) return;
    this.pending = true;
    if (!this.timer && !this.writing) this.timer = setTimeout(() => this.flush(), this.minGapMs);
  }

  /** Stops scheduling; waits for a write in progress. The file stays (a stale file is what alerts see). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.writing;
  }

  private flush(): void {
    this.timer = undefined;
    this.pending = false;
    this.writing = this.write().finally(() => {
      this.writing = undefined;
      if (this.pending) this.changed();
    });
  }

  private async write(): Promise<void> {
    const dir = dirname(this.opts.path);
    const tmp = join(dir, `.${basename(this.opts.path)}.${randomBytes(8).toString('hex')}.tmp`);
    let created = false;
    try {
      const problem = await textfileDirectoryProblem(dir);
      if (problem) throw new Error(`not writing there: ${problem}`);
      const text = await this.opts.text();
      const file = await open(tmp, CREATE_NEW, 0o644);
      created = true;
      try {
        await file.writeFile(text);
        await file.chmod(0o644); // readable by node_exporter's user whatever our umask
      } finally {
        await file.close();
      }
      await rename(tmp, this.opts.path);
      if (this.failing) {
        this.failing = false;
        this.opts.onRecovered(this.opts.path);
      }
    } catch (err) {
      if (created) await unlink(tmp).catch(() => undefined);
      if (!this.failing) {
        this.failing = true;
        this.opts.onError(this.opts.path, err as NodeJS.ErrnoException);
      }
    }
  }
}
