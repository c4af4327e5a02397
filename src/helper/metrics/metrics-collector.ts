// What the metrics need beyond the monitor's snapshot, kept from its public events (MonitorApi.onChange):
// the counters (probes timed out, probe errors by errno) and when each unresponsive mount stopped
// answering (a slow mount that turns hung is one episode, whose start the snapshot's `since`, reset at
// each state change, no longer has). And the rendered text, cached until the next event: a scrape never
// probes and never renders twice for one state, however often it comes.
import type { MonitorApi, MonitorEvent } from '../../common/monitor-api.js';
import type { MountStatus } from '../../common/mount.js';
import { isUnresponsive, renderMetrics, type MetricsSettings } from './render-metrics.js';

export class MetricsCollector {
  private timeouts = 0;
  /** mountpoint -> errno -> probes that failed so. */
  private readonly errors = new Map<string, Map<string, number>>();
  /** mount id -> checkedAt of the last answer counted: one probe's answer is pushed more than once. */
  private readonly counted = new Map<number, number>();
  /** mount id -> start of its unresponsive episode. */
  private readonly episodes = new Map<number, { mountpoint: string; since: number }>();
  private generation = 0;
  private cached: { generation: number; text: Promise<Buffer> } | undefined;
  private readonly listeners = new Set<() => void>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly monitor: Pick<MonitorApi, 'snapshot' | 'onChange'>,
    private settings: MetricsSettings,
  ) {
    this.unsubscribe = monitor.onChange((event) => this.onEvent(event));
  }

  /** Called after every change to what the metrics say (coalesce there: a sweep is one call per mount). */
  onUpdate(listener: () => void): void {
    this.listeners.add(listener);
  }

  /** After a config reload. */
  setSettings(settings: MetricsSettings): void {
    this.settings = settings;
    this.changed();
  }

  /** The exposition text for the latest state (rendered once per change, shared by every reader). */
  text(): Promise<Buffer> {
    if (this.cached?.generation !== this.generation) {
      const generation = this.generation;
      const text = this.monitor.snapshot().then((snapshot) => {
        const unresponsiveSince = new Map<number, number>();
        for (const m of snapshot.mounts) {
          const episode = this.episodes.get(m.mountId);
          if (episode?.mountpoint === m.mountpoint) unresponsiveSince.set(m.mountId, episode.since);
        }
        return Buffer.from(renderMetrics({ snapshot, timeouts: this.timeouts, errors: this.errors, unresponsiveSince, settings: this.settings }));
      });
      text.catch(() => {
        if (this.cached?.text === text) this.cached = undefined; // the next reader tries again
      });
      this.cached = { generation, text };
    }
    return this.cached.text;
  }

  close(): void {
    this.unsubscribe();
    this.listeners.clear();
  }

  private onEvent(event: MonitorEvent): void {
    if (event.type === 'mount') this.onMount(event.mount);
    // Forget mounts that left the table, once a sweep has settled what the table holds.
    else if (event.type === 'sweep') void this.monitor.snapshot().then((s) => this.forgetVanished(s.mounts), () => undefined);
    this.changed();
  }

  private onMount(m: MountStatus): void {
    // A probe's answer carries a new checkedAt; pushes without one (a stuck mount reported again, a
    // suspect flag) are not probes and count nothing.
    if (m.checkedAt !== undefined && this.counted.get(m.mountId) !== m.checkedAt) {
      this.counted.set(m.mountId, m.checkedAt);
      if (m.state === 'hung') this.timeouts++;
      if (m.state === 'error' && m.errno !== undefined) {
        const byErrno = this.errors.get(m.mountpoint) ?? new Map<string, number>();
        byErrno.set(m.errno, (byErrno.get(m.errno) ?? 0) + 1);
        this.errors.set(m.mountpoint, byErrno);
      }
    }
    const episode = this.episodes.get(m.mountId);
    if (!isUnresponsive(m)) this.episodes.delete(m.mountId);
    else if (episode?.mountpoint !== m.mountpoint) this.episodes.set(m.mountId, { mountpoint: m.mountpoint, since: m.since });
  }

  private forgetVanished(mounts: readonly MountStatus[]): void {
    const ids = new Set(mounts.map((m) => m.mountId));
    const paths = new Set(mounts.map((m) => m.mountpoint));
    for (const id of this.counted.keys()) if (!ids.has(id)) this.counted.delete(id);
    for (const id of this.episodes.keys()) if (!ids.has(id)) this.episodes.delete(id);
    for (const path of this.errors.keys()) if (!paths.has(path)) this.errors.delete(path);
  }

  private changed(): void {
    this.generation++;
    for (const listener of this.listeners) listener();
  }
}
