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
  /** Group whose members may ask the helper to unmount (`mountstatus unmount`); none: root only. */
  adminGroup?: string;
  /** `recover` rules ("fstype:fuse.sshfs after 5m force"), as written; none by default. */
  recover: string[];
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

/** A positive number of seconds, or a clear error naming where it came from. */
export function parseSeconds(text: string, where: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n <= 0 || n > 86_400) {
    throw new SettingsError(`${where}: expected a number of seconds between 0 and 86400, got ${JSON.stringify(text)}`);
  }
  return n;
}

export class SettingsError extends Error {
  override name = 'SettingsError';
}
