// A client at N mounts: a real `mountstatus daemon` (syslog off) over the bench's mounts, and
// - how fast it answers a snapshot over its socket (connectHelper, the app's own client), and the shipped
//   `status --json` command's wall time beside `status --help` (start-up alone);
// - the status window in Debian's Chromium (playwright-core, the renderer tests' harness) fed by that
//   connection: from a new page to the snapshot's rows drawn, and a live update (one of the mounts
//   unmounted, so the helper's real event) from its arrival in the page to its row gone, and from the
//   umount to its row gone. Run inside sweep-bench's namespace; prints figures, asserts nothing.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MonitorApi } from '../src/common/monitor-api.js';
import { connectHelper } from '../src/node/ipc/client.js';
import { wallOfCommand } from './one-shot.js';

export interface ClientFigures {
  mounts: number;
  /** Mounts the helper's snapshot left out (over its frame limit). */
  omitted: number;
  snapshotBytes: number;
  /** A snapshot asked over the socket until parsed, median. */
  snapshotMs: number;
  statusJsonMs: number;
  statusHelpMs: number;
  /** From a new page to its rows drawn (two frames after the window says it has loaded). */
  openMs?: number;
  /** Of which: the page's start to the snapshot asked for; the snapshot on its way; loading and drawing it. */
  openParts?: { startMs: number; snapshotMs: number; drawMs: number };
  rowsDrawn?: number;
  /** A pushed event's arrival in the page to its row gone from the screen. */
  updateInPageMs?: number;
  /** The umount to its row gone (the helper seeing the table change, its event, the page). */
  updateFromUmountMs?: number;
  windowError?: string;
}

/** The parts of test/renderer/status-window-harness.ts used here (a bench does not compile the tests). */
interface WindowHarness {
  StatusWindowBench: {
    start(): Promise<{
      open(api: MonitorApi & { homeDirectory(): Promise<string> }): Promise<{ page: PageLike; close(): Promise<void> }>;
      close(): Promise<void>;
    }>;
  };
}
interface PageLike {
  evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R>;
  waitForFunction<A>(fn: (arg: A) => boolean, arg: A, options: { timeout: number; polling: number | 'raf' }): Promise<unknown>;
}

const mid = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function measureClient(include: string, nodeFlags: string[], repeats: number): Promise<ClientFigures> {
  const bin = fileURLToPath(new URL('../../bin/mountstatus.js', import.meta.url));
  const dir = mkdtempSync(join(tmpdir(), 'msm-client-'));
  const socket = join(dir, 'run', 'helper.sock');
  const daemon = spawn(process.execPath, [...nodeFlags, bin, 'daemon', '--no-syslog', '--socket', socket, '--include', include], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  daemon.stderr.setEncoding('utf8').on('data', (s: string) => (log += s));
  try {
    const deadline = Date.now() + 120_000;
    while (!/Checked \d+ mounts? in/.test(log) || !existsSync(socket)) {
      if (Date.now() > deadline || daemon.exitCode !== null) throw new Error(`the daemon did not sweep: ${log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const helper = await connectHelper(socket, { clientName: 'bench-client-side' });
    try {
      const runs: number[] = [];
      let snapshot = await helper.snapshot();
      for (let i = 0; i < repeats; i++) {
        const t0 = performance.now();
        snapshot = await helper.snapshot();
        runs.push(performance.now() - t0);
      }
      const statusJson: number[] = [];
      const statusHelp: number[] = [];
      for (let i = 0; i < repeats; i++) {
        statusJson.push(await wallOfCommand(nodeFlags, bin, ['status', '--json', '--socket', socket]));
        statusHelp.push(await wallOfCommand(nodeFlags, bin, ['status', '--help']));
      }
      const figures: ClientFigures = {
        mounts: snapshot.mounts.length,
        omitted: snapshot.omitted ?? 0,
        snapshotBytes: Buffer.byteLength(JSON.stringify(snapshot)),
        snapshotMs: mid(runs),
        statusJsonMs: mid(statusJson),
        statusHelpMs: mid(statusHelp),
      };
      try {
        Object.assign(figures, await measureWindow(helper, dir));
      } catch (err) {
        figures.windowError = err instanceof Error ? err.message.split('\n')[0] : String(err);
      }
      return figures;
    } finally {
      helper.close();
    }
  } finally {
    daemon.kill('SIGTERM');
    if (daemon.exitCode === null) await new Promise((r) => daemon.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

async function measureWindow(helper: MonitorApi, dir: string): Promise<Partial<ClientFigures>> {
  const harness = (await import(new URL('../test/renderer/status-window-harness.js', import.meta.url).href)) as WindowHarness;
  const bench = await harness.StatusWindowBench.start();
  try {
    const t0 = performance.now();
    const w = await bench.open({ snapshot: () => helper.snapshot(), onChange: (l) => helper.onChange(l), recheck: (m) => helper.recheck(m), homeDirectory: async () => dir });
    const twoFrames = (): Promise<void> => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r())));
    await w.page.evaluate(twoFrames, undefined);
    const openMs = performance.now() - t0;
    const openParts = await w.page.evaluate(() => {
      const at = (name: string): number => performance.getEntriesByName(name, 'mark').at(-1)!.startTime;
      return { startMs: at('msm-snapshot-asked'), snapshotMs: at('msm-snapshot-received') - at('msm-snapshot-asked'), drawMs: at('msm-drawn') - at('msm-snapshot-received') };
    }, undefined);
    // The first row on the screen goes: the helper's `removed` event, drawn. The page notes when the event
    // arrives and, checking every frame, when the row has left the screen.
    const target = await w.page.evaluate(() => {
      type Marks = { __msmPush(e: { type: string; mountpoint?: string }): void; __arrived?: number; __gone?: number };
      const win = window as unknown as Marks;
      const mountpoint = document.querySelector<HTMLElement>('li.mount')!.dataset.mountpoint!;
      const shown = (): boolean => Array.from(document.querySelectorAll<HTMLElement>('li.mount')).some((li) => li.dataset.mountpoint === mountpoint);
      const push = win.__msmPush;
      win.__msmPush = (e) => {
        if (e.type === 'removed' && e.mountpoint === mountpoint && win.__arrived === undefined) {
          win.__arrived = performance.now();
          const check = (): void => {
            if (shown()) requestAnimationFrame(check);
            else win.__gone = performance.now();
          };
          requestAnimationFrame(check);
        }
        push(e);
      };
      return { mountpoint, rows: document.querySelectorAll('li.mount').length };
    }, undefined);
    const t1 = performance.now();
    const umount = spawnSync('umount', [target.mountpoint], { encoding: 'utf8' });
    if (umount.status !== 0) throw new Error(`umount ${target.mountpoint}: ${umount.stderr}`);
    await w.page.waitForFunction(() => (window as unknown as { __gone?: number }).__gone !== undefined, undefined, { timeout: 30_000, polling: 'raf' });
    const updateFromUmountMs = performance.now() - t1;
    const updateInPageMs = await w.page.evaluate(() => {
      const win = window as unknown as { __arrived: number; __gone: number };
      return win.__gone - win.__arrived;
    }, undefined);
    await w.close();
    return { openMs, openParts, rowsDrawn: target.rows, updateInPageMs, updateFromUmountMs };
  } finally {
    await bench.close();
  }
}
