// The daemon's metrics, as settings ask: the HTTP endpoint (metrics-listen), the textfile
// (metrics-textfile), both fed by one collector of the monitor's events. Neither is on by default.
//
// A bad metrics-listen value is a config error, refused like any other (the daemon does not start; a
// SIGHUP keeps the settings in force). An address that cannot be bound (port in use, an address the host
// does not have yet at boot, a privileged port without root) is not: monitoring is the job, so the
// daemon logs a warning, keeps monitoring, and tries again every LISTEN_RETRY_SECONDS. The alert on a
// target that is down (MountStatusMonitorDown) tells the admin meanwhile.
import type { MonitorApi } from '../../common/monitor-api.js';
import type { Settings } from '../../node/config/settings.js';
import * as lines from '../log/lines.js';
import type { Log } from '../log/log.js';
import { MetricsCollector } from './metrics-collector.js';
import { DEFAULT_METRICS_EXCLUDE, DEFAULT_METRICS_MAX_MOUNTS } from './metrics-exclusion.js';
import { serveMetrics, type MetricsEndpoint } from './metrics-http.js';
import { formatListenAddress, parseListenAddress, type ListenAddress } from './listen-address.js';
import type { MetricsSettings } from './render-metrics.js';
import { parseServerAliases } from './server-aliases.js';
import { TextfileWriter } from './textfile-writer.js';

export const LISTEN_RETRY_SECONDS = 30;

export interface Metrics {
  /** After a config reload: a changed address or file takes effect at once. */
  reconfigure(settings: Settings): void;
  close(): Promise<void>;
}

function metricsSettings(s: Settings): MetricsSettings {
  return {
    intervalSeconds: s.intervalSeconds,
    timeoutSeconds: s.timeoutSeconds,
    exclude: s.metricsExclude ?? DEFAULT_METRICS_EXCLUDE,
    maxMounts: s.metricsMaxMounts ?? DEFAULT_METRICS_MAX_MOUNTS,
    // Checked when the settings were read: cannot throw here.
    serverAliases: parseServerAliases((s.serverAliases ?? []).map((value) => ({ value, where: 'server-alias' }))),
  };
}

/** Subscribes to the monitor now (start it after this, so the first sweep is counted). */
export function startMetrics(monitor: Pick<MonitorApi, 'snapshot' | 'onChange'>, settings: Settings, log: Log): Metrics {
  const collector = new MetricsCollector(monitor, metricsSettings(settings));
  const text = () => collector.text();
  let endpoint: RetryingEndpoint | undefined;
  let writer: TextfileWriter | undefined;
  // Endpoints and writers replaced by a reload, until they have finished closing.
  const stopping = new Set<Promise<void>>();
  const retire = (closing: Promise<void>) => {
    stopping.add(closing);
    void closing.finally(() => stopping.delete(closing));
  };
  collector.onUpdate(() => writer?.changed());

  const apply = (s: Settings) => {
    collector.setSettings(metricsSettings(s));
    const listen = s.metricsListen ?? '';
    if (listen !== (endpoint?.spec ?? '')) {
      if (endpoint) retire(endpoint.close());
      endpoint = listen === '' ? undefined : new RetryingEndpoint(listen, text, log);
    }
    if (s.metricsTextfile !== writer?.path) {
      if (writer) retire(writer.close());
      writer = undefined;
      if (s.metricsTextfile !== undefined) {
        writer = new TextfileWriter({
          path: s.metricsTextfile,
          text,
          onError: (path, err) => log.line(lines.metricsTextfileFailed(path, err.code, err.message)),
          onRecovered: (path) => log.line(lines.metricsTextfileRecovered(path)),
        });
        log.line(lines.metricsTextfile(s.metricsTextfile));
        writer.changed();
      }
    }
  };
  apply(settings);
  return {
    reconfigure: apply,
    async close() {
      collector.close();
      await Promise.all([...stopping, endpoint?.close(), writer?.close()]);
    },
  };
}

/** The HTTP endpoint on one address, bound again every LISTEN_RETRY_SECONDS until it works. */
class RetryingEndpoint {
  private server: MetricsEndpoint | undefined;
  private attempt: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private failing = false;
  private closed = false;
  private readonly address: ListenAddress;

  constructor(
    readonly spec: string,
    private readonly text: () => Promise<Buffer>,
    private readonly log: Log,
  ) {
    this.address = parseListenAddress(spec, 'metrics-listen'); // cannot throw: validated when the settings were read
    this.attempt = this.listen();
  }

  private async listen(): Promise<void> {
    const address = this.address;
    try {
      const server = await serveMetrics(address, this.text);
      if (this.closed) return void (await server.close());
      this.server = server;
      this.log.line(lines.metricsServing(`http://${formatListenAddress(server.address)}/metrics`));
    } catch (err) {
      if (this.closed) return;
      const e = err as NodeJS.ErrnoException;
      // Once per spell of failures, not every 30 s.
      if (!this.failing) this.log.line(lines.metricsListenFailed(formatListenAddress(address), e.code, e.message, LISTEN_RETRY_SECONDS));
      this.failing = true;
      this.timer = setTimeout(() => (this.attempt = this.listen()), LISTEN_RETRY_SECONDS * 1000);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.attempt;
    await this.server?.close();
  }
}
