// The config file (/etc/mount-status-monitor.conf by default): `key = value` lines, `#` comments,
// include/exclude may repeat. Keys are the long command-line options without dashes:
//
//   interval = 60          # seconds between sweeps
//   timeout = 10           # seconds before a probe is killed and its mount reported hung
//   watch-interval = 1     # seconds between probes of watched mounts (homes in use, watch patterns)
//   slow-after = 1.5       # seconds before an unanswered probe makes its mount slow
//   watch = /srv/project/**   # mountpoint glob or fstype:PATTERN always watched (repeatable)
//   include = /home/*      # mountpoint glob, or fstype:PATTERN (repeatable)
//   exclude = fstype:tmpfs
//   syslog-socket = /dev/log   # empty turns syslog off
//   socket = /run/mount-status-monitor/helper-v1.sock   # the IPC socket; empty turns it off
//   metrics-listen = 127.0.0.1:9877       # Prometheus metrics over HTTP; empty or absent: off
//   metrics-textfile = /var/lib/prometheus/node-exporter/mountstatus.prom   # the same, as a file
//   metrics-exclude = /srv/scratch/**     # no per-mount series for these (repeatable; "none" empties)
//   metrics-max-mounts = 500              # at most this many mounts with per-mount series
//   server-alias = nfs1 nfs1.example.org 10.0.0.5   # one server's spellings: the metrics say nfs1 (repeatable)
//   admin-group = storage-admins   # its members may run `mountstatus unmount` (default: root only)
//   recover = fstype:fuse.sshfs after 5m force   # unmount a mount not responding that long (repeatable)
//   recover = fstype:nfs4 after 2m shutdown      # or disconnect it from its server (NFS, Linux 6.6+)
//   disconnect-own-home = yes   # a user may disconnect the dead NFS mount of their own home (default no)
//
// Every error names the file and line. A bad file is rejected whole: the daemon keeps the settings it has.
import { parseSeconds, SettingsError, type Settings } from '../../node/config/settings.js';
import { checkMetricsListen } from '../metrics/listen-address.js';
import { addMetricsExclude, parseMetricsMaxMounts } from '../metrics/metrics-exclusion.js';
import { parseServerAliases } from '../metrics/server-aliases.js';
import { checkTextfilePath } from '../metrics/textfile-writer.js';
import { configReader, type ReadOptions } from './config-reader.js';
import { parseRecoverRule } from '../recovery/recover-policy.js';
import { validAdminGroup } from '../recovery/who-may-unmount.js';

/**
 * Reads and parses a config file, never in this process (config-reader.ts). `optional`: a file that does
 * not exist gives undefined instead of an error (the daemon's default file).
 */
export async function loadConfigFile(path: string, base: Settings, options?: ReadOptions & { optional?: false }): Promise<Settings>;
export async function loadConfigFile(path: string, base: Settings, options: ReadOptions & { optional: boolean }): Promise<Settings | undefined>;
export async function loadConfigFile(path: string, base: Settings, options: ReadOptions & { optional?: boolean } = {}): Promise<Settings | undefined> {
  const read = await configReader.read(path, options);
  if ('absent' in read) {
    if (options.optional) return undefined;
    throw new SettingsError(`cannot read config file ${path}: ENOENT: no such file or directory`);
  }
  return parseConfig(read.text, path, base);
}

/** Every key the file may hold: the daemon's long options, and admin-group, recover, server-alias and disconnect-own-home. */
const CONFIG_KEYS = [
  'interval', 'timeout', 'watch-interval', 'slow-after', 'include', 'exclude', 'watch', 'syslog-socket', 'socket',
  'metrics-listen', 'metrics-textfile', 'metrics-exclude', 'metrics-max-mounts', 'admin-group', 'recover', 'server-alias',
  'disconnect-own-home',
] as const;

export function parseConfig(text: string, name: string, base: Settings): Settings {
  const out: Settings = { ...base, include: [...base.include], exclude: [...base.exclude], watch: [...base.watch], recover: [...base.recover] };
  const lists: { include?: string[]; exclude?: string[]; watch?: string[]; 'metrics-exclude'?: string[]; recover?: string[] } = {};
  const aliases: { value: string; where: string }[] = [];
  // CRLF too (a file edited on Windows): a \r left on the line would stop `.*$` below short of the end,
  // so "# comment\r" would not be a comment. A leading UTF-8 byte order mark is not part of the first key.
  text.replace(/^\uFEFF/, '').split(/\r?\n/).forEach((raw, i) => {
    const where = `${name}:${i + 1}`;
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (line === '') return;
    const eq = line.indexOf('=');
    if (eq < 0) throw new SettingsError(`${where}: expected "key = value", got ${JSON.stringify(raw.trim())}`);
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    switch (key) {
      case 'interval':
        out.intervalSeconds = parseSeconds(key, value, `${where}: ${key}`);
        break;
      case 'timeout':
        out.timeoutSeconds = parseSeconds(key, value, `${where}: ${key}`);
        break;
      case 'watch-interval':
        out.watchIntervalSeconds = parseSeconds(key, value, `${where}: ${key}`);
        break;
      case 'slow-after':
        out.slowAfterSeconds = parseSeconds(key, value, `${where}: ${key}`);
        break;
      case 'include':
      case 'exclude':
      case 'watch':
      case 'metrics-exclude':
        if (value === '') throw new SettingsError(`${where}: ${key} needs a glob or fstype:PATTERN`);
        (lists[key] ??= []).push(value);
        break;
      case 'syslog-socket':
        out.syslogSocket = value;
        break;
      case 'socket':
        out.socketPath = value;
        break;
      case 'metrics-listen':
        out.metricsListen = checkMetricsListen(value, where);
        break;
      case 'metrics-textfile':
        if (value === '') delete out.metricsTextfile;
        else out.metricsTextfile = checkTextfilePath(value, where);
        break;
      case 'metrics-max-mounts':
        out.metricsMaxMounts = parseMetricsMaxMounts(value, where);
        break;
      case 'admin-group':
        if (!validAdminGroup(value)) throw new SettingsError(`${where}: admin-group needs a group name, got ${JSON.stringify(value)}`);
        out.adminGroup = value;
        break;
      case 'disconnect-own-home':
        if (value !== 'yes' && value !== 'no') throw new SettingsError(`${where}: disconnect-own-home is yes or no, got ${JSON.stringify(value)}`);
        out.disconnectOwnHome = value === 'yes';
        break;
      case 'recover':
        try {
          parseRecoverRule(value);
        } catch (err) {
          throw new SettingsError(`${where}: ${(err as Error).message}`);
        }
        (lists.recover ??= []).push(value);
        break;
      case 'server-alias':
        aliases.push({ value, where });
        break;
      default:
        throw new SettingsError(`${where}: unknown setting ${JSON.stringify(key)} (known: ${CONFIG_KEYS.join(', ')})`);
    }
  });
  // A file that lists include/exclude/metrics-exclude replaces the defaults' lists; the command line adds to them later.
  if (lists.include) out.include = lists.include;
  if (lists.exclude) out.exclude = lists.exclude;
  if (lists.watch) out.watch = lists.watch;
  if (lists['metrics-exclude']) out.metricsExclude = addMetricsExclude([], lists['metrics-exclude']);
  if (lists.recover) out.recover = lists.recover;
  if (aliases.length > 0) {
    parseServerAliases(aliases); // every line checked, and no spelling claimed by two names
    out.serverAliases = aliases.map((a) => a.value);
  }
  return out;
}
