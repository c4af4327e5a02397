// Opens the built status window (dist/src/renderer/index.html) in Chromium with window.mountStatus backed
// by a Node-side MonitorApi - a fake the test controls, or the real Monitor. The page gets the same
// object shape the preload exposes; calls cross to Node through one Playwright binding (the snapshot, large,
// through a fetch the test answers) and pushed events
// come back through page.evaluate.
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import type { MonitorApi, MonitorEvent, MonitorIdentity, RecheckResult, Snapshot, SweepSummary } from '../../src/common/monitor-api.js';
import type { MountStatus } from '../../src/common/mount.js';
import type { DisconnectResult, MountAdvice } from '../../src/common/recovery.js';
import type { Connection } from '../../src/common/status-api.js';
import { launchChromium, serveDirectory, type Chromium, type StaticServer } from '../support/chromium.js';

export const DIST_SRC = fileURLToPath(new URL('../../src/', import.meta.url));
export const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/', import.meta.url));

/** What the test serves the page: the monitor and the home directory, optionally the window's extras. */
export type NodeSideApi = MonitorApi & {
  homeDirectory(): Promise<string>;
  appNotice?(): Promise<string | undefined>;
  connection?(): Connection;
  onConnection?(listener: (c: Connection) => void): () => void;
  quit?(): Promise<void>;
  /** Default: no advice (as for a monitor whose mounts all answer). */
  recoveryAdvice?(): Promise<MountAdvice[]>;
  disconnect?(mountpoint: string): Promise<DisconnectResult>;
};

/** A MonitorApi the test drives: set mounts, push events, see the rechecks asked for. */
export class FakeMonitor implements MonitorApi {
  readonly identity: MonitorIdentity = { mode: 'system', privileged: true, pid: 4321, version: '0.1.0' };
  readonly mounts = new Map<number, MountStatus>();
  readonly rechecks: (string | undefined)[] = [];
  lastSweep: SweepSummary | undefined;
  recheckResult: (mountpoint: string | undefined) => RecheckResult = (m) => ({ started: m ? [m] : [...this.mounts.values()].map((s) => s.mountpoint), skipped: [] });
  private readonly listeners = new Set<(event: MonitorEvent) => void>();

  constructor(mounts: MountStatus[]) {
    for (const m of mounts) this.mounts.set(m.mountId, m);
  }

  async snapshot(): Promise<Snapshot> {
    return { identity: this.identity, mounts: [...this.mounts.values()], ...(this.lastSweep ? { lastSweep: this.lastSweep } : {}) };
  }

  onChange(listener: (event: MonitorEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async recheck(mountpoint?: string): Promise<RecheckResult> {
    this.rechecks.push(mountpoint);
    return this.recheckResult(mountpoint);
  }

  /** Changes a mount and pushes the event, as the monitor does after a probe. */
  update(status: MountStatus): void {
    const previous = this.mounts.get(status.mountId)?.state ?? null;
    this.mounts.set(status.mountId, status);
    this.emit({ type: 'mount', mount: status, previous });
  }

  emit(event: MonitorEvent): void {
    if (event.type === 'removed') for (const [id, m] of this.mounts) if (m.mountpoint === event.mountpoint) this.mounts.delete(id);
    if (event.type === 'sweep') this.lastSweep = event.summary;
    for (const l of this.listeners) l(event);
  }
}

export interface WindowUnderTest {
  page: Page;
  /** Pushed events not yet delivered to the page (resolved when all are). */
  delivered(): Promise<void>;
  close(): Promise<void>;
}

export class StatusWindowBench {
  private constructor(
    readonly browser: Chromium,
    readonly server: StaticServer,
  ) {}

  static async start(): Promise<StatusWindowBench> {
    if (!existsSync(`${DIST_SRC}renderer/index.html`)) {
      throw new Error(`${DIST_SRC}renderer/index.html missing: run \`npm run build\` (it must run build/scripts/copy-renderer-assets.js)`);
    }
    mkdirSync(ARTIFACTS, { recursive: true });
    const server = await serveDirectory(DIST_SRC);
    try {
      return new StatusWindowBench(await launchChromium(), server);
    } catch (err) {
      await server.close();
      throw err;
    }
  }

  /** noWait: return once the page is loaded, before it has a snapshot (for retry tests). */
  async open(api: NodeSideApi, options: { colorScheme?: 'light' | 'dark'; noWait?: boolean } = {}): Promise<WindowUnderTest> {
    const page = await this.browser.context.newPage();
    await page.emulateMedia({ colorScheme: options.colorScheme ?? 'light' });
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    // The snapshot comes as a response to a fetch: through the binding, Playwright copies an object value
    // by value (6.5 s for 10,000 mounts; as one string still 1.1 s), where Electron's IPC takes milliseconds.
    await page.route('**/__msm/snapshot', async (route) => {
      // Always 200: Chromium logs an HTTP error status on the console, which close() counts as a problem.
      let body: string;
      try {
        body = `{"snapshot":${JSON.stringify(await api.snapshot())}}`;
      } catch (err) {
        body = JSON.stringify({ error: err instanceof Error ? err.message : String(err) });
      }
      await route.fulfill({ status: 200, contentType: 'application/json', body });
    });
    await page.exposeBinding('__msmCall', async (_source, op: string, arg?: string) => {
      switch (op) {
        case 'recheck':
          return arg === undefined ? api.recheck() : api.recheck(arg);
        case 'homeDirectory':
          return api.homeDirectory();
        case 'appNotice':
          return api.appNotice?.();
        case 'connection':
          return api.connection?.() ?? { state: 'connected' };
        case 'quit':
          return api.quit?.();
        case 'recoveryAdvice':
          return api.recoveryAdvice?.() ?? [];
        case 'disconnect':
          if (!api.disconnect) throw new Error('this test serves no disconnect');
          return api.disconnect(arg!);
        default:
          throw new Error(`unknown operation ${op}`);
      }
    });
    await page.addInitScript(() => {
      type Listener = (e: unknown) => void;
      const w = window as unknown as Record<string, unknown> & { __msmCall(op: string, arg?: string): Promise<never> };
      const listeners = new Set<Listener>();
      const connListeners = new Set<Listener>();
      w.__msmPush = (e: unknown) => {
        for (const l of listeners) l(e);
      };
      w.__msmPushConnection = (c: unknown) => {
        for (const l of connListeners) l(c);
      };
      // Same shape as the preload's object (src/preload/preload.cts).
      w.mountStatus = Object.freeze({
        snapshot: () =>
          fetch('/__msm/snapshot')
            .then((r) => r.json())
            .then((reply: { snapshot?: never; error?: string }) => {
              if (reply.error !== undefined) throw new Error(reply.error);
              return reply.snapshot as never;
            }),
        recheck: (m?: string) => (m === undefined ? w.__msmCall('recheck') : w.__msmCall('recheck', m)),
        homeDirectory: () => w.__msmCall('homeDirectory'),
        appNotice: () => w.__msmCall('appNotice'),
        quit: () => w.__msmCall('quit'),
        recoveryAdvice: () => w.__msmCall('recoveryAdvice'),
        disconnect: (m: string) => w.__msmCall('disconnect', m),
        onChange: (l: Listener) => {
          listeners.add(l);
          return () => void listeners.delete(l);
        },
        onConnection: (l: Listener) => {
          connListeners.add(l);
          void w.__msmCall('connection').then(l);
          return () => void connListeners.delete(l);
        },
      });
    });
    let chain: Promise<void> = Promise.resolve();
    const unsubscribe = api.onChange((event) => {
      // Before the page has loaded there is nobody to tell; the snapshot it asks for includes the change.
      chain = chain.then(() => page.evaluate((e) => (window as unknown as { __msmPush?: (e: unknown) => void }).__msmPush?.(e), event).catch(() => undefined));
    });
    const unsubscribeConn = api.onConnection?.((c) => {
      chain = chain.then(() => page.evaluate((x) => (window as unknown as { __msmPushConnection?: (c: unknown) => void }).__msmPushConnection?.(x), c).catch(() => undefined));
    });
    await page.goto(`${this.server.url}/renderer/index.html`);
    if (!options.noWait) await page.waitForSelector('body[data-loaded="true"]', { timeout: 15_000 });
    return {
      page,
      delivered: () => chain,
      close: async () => {
        unsubscribe();
        unsubscribeConn?.();
        await page.close();
        if (problems.length > 0) throw new Error(`the window reported problems:\n${problems.join('\n')}`);
      },
    };
  }

  async close(): Promise<void> {
    await this.browser.close();
    await this.server.close();
  }
}

/** Waits until `fn` (run in the page) returns true; the generous bound only guards against a hang. */
export async function until(page: Page, fn: () => boolean, what: string): Promise<void> {
  try {
    await page.waitForFunction(fn, undefined, { timeout: 15_000, polling: 50 });
  } catch (err) {
    throw new Error(`timed out waiting for: ${what} (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`);
  }
}
