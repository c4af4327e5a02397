// The helper's settings: the same options from the command line and from the config file.
export interface Settings {
  intervalSeconds: number;
  timeoutSeconds: number;
  /** Seconds between probes of watched mounts (the homes in use, `watch` patterns). */
  watchIntervalSeconds: number;
  /** A probe unanswered this long makes its mount slow, before the timeout makes it hung. */
  slowAfterSeconds: number;
  /** Mountpoint globs or fstype:PATTERN always probed every watchIntervalSeconds. */
  watch: string[];
  include: string[];
  exclude: string[];
  /** The system log's socket; "" turns syslog off. */
  syslogSocket: string;
  /** The IPC socket for the tray app and `mountstatus status`; "" turns it off. Default: by privilege. */
  socketPath?: string;
  /** Prometheus metrics over HTTP on this ADDRESS:PORT (src/helper/metrics/); "" or absent: off. */
  metricsListen?: string;
  /** The same metrics written to this *.prom file for node_exporter's textfile collector; absent: off. */
  metricsTextfile?: string;
  /** Mounts left out of the per-mount metrics; absent: the default list (metrics-exclusion.ts). */
  metricsExclude?: string[];
  /** Most mounts with per-mount series; absent: the default (metrics-exclusion.ts). */
  metricsMaxMounts?: number;
  /** `server-alias` lines ("nfs1 nfs1.example.org 10.0.0.5"), as written: one server name across hosts (metrics/server-aliases.ts). */
  serverAliases?: string[];
  /** Group whose members may ask the helper to unmount (`mountstatus unmount`); none: root only. */
  adminGroup?: string;
  /** `recover` rules ("fstype:fuse.sshfs after 5m force"), as written; none by default. */
  recover: string[];
  /** A user may disconnect the NFS mount of their own home (`disconnect-own-home = yes`); default no. */
  disconnectOwnHome?: boolean;
}

export const DEFAULT_SETTINGS: Settings = {
  intervalSeconds: 60,
  timeoutSeconds: 10,
  // With these two a home that stops answering is reported slow within 1 + 1.5 = 2.5 s at worst: the
  // next probe starts within a second and is slow 1.5 s later.
  watchIntervalSeconds: 1,
  slowAfterSeconds: 1.5,
  watch: [],
  include: [],
  exclude: [],
  syslogSocket: '/dev/log',
  recover: [],
};

export const DEFAULT_CONFIG_FILE = '/etc/mount-status-monitor.conf';

/**
 * Every timing the helper takes, by its option name (config key and `--name`), with its bounds: the one
 * place a new timing setting is declared. Below half a second a healthy network mount under load looks
 * hung, and sweeps and their log lines multiply (`interval = 0.001` with `timeout = 0.0001`
 * made 2,566 sweeps and 13,303 "not responding" lines in 6 s); above a day is a typo.
 */
export const SECONDS_SETTINGS = {
  interval: { min: 0.5, max: 86_400 },
  timeout: { min: 0.5, max: 86_400 },
  /** The watch tier's probe interval (default 1 s). */
  'watch-interval': { min: 0.5, max: 3600 },
  /** How long an unanswered probe takes to make its mount `slow` (default 1.5 s). */
  'slow-after': { min: 0.5, max: 3600 },
} as const satisfies Record<string, { min: number; max: number }>;

export type SecondsSetting = keyof typeof SECONDS_SETTINGS;

// Decimal only: Number() would also take "0x10" (16), "1e3", "Infinity" and " 5 ".
const DECIMAL = /^(?:\d+(?:\.\d*)?|\.\d+)$/;

/**
 * A number of seconds for `setting` within its bounds, or a clear error naming where it came from
 * (`/etc/mount-status-monitor.conf:4: timeout`, `--timeout`).
 */
export function parseSeconds(setting: SecondsSetting, text: string, where: string): number {
  const { min, max } = SECONDS_SETTINGS[setting];
  const n = DECIMAL.test(text) ? Number(text) : NaN;
  if (!(n >= min && n <= max)) {
    throw new SettingsError(`${where}: expected a number of seconds from ${min} to ${max} (decimal), got ${JSON.stringify(text)}`);
  }
  return n;
}

export class SettingsError extends Error {
  override name = 'SettingsError';
}
