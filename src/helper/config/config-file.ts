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
//   admin-group = storage-admins   # its members may run `mountstatus unmount` (default: root only)
//   recover = fstype:fuse.sshfs after 5m force   # unmount a mount not responding that long (repeatable)
//
// Every error names the file and line. A bad file is rejected whole: the daemon keeps the settings it has.
import { readFile } from 'node:fs/promises';
import { parseSeconds, SettingsError, type Settings } from '../../node/config/settings.js';
import { parseRecoverRule } from '../recovery/recover-policy.js';
import { validAdminGroup } from '../recovery/who-may-unmount.js';

export async function loadConfigFile(path: string, base: Settings): Promise<Settings> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new SettingsError(`cannot read config file ${path}: ${(err as Error).message}`);
  }
  return parseConfig(text, path, base);
}

export function parseConfig(text: string, name: string, base: Settings): Settings {
  const out: Settings = { ...base, include: [...base.include], exclude: [...base.exclude], watch: [...base.watch], recover: [...base.recover] };
  const lists: { include?: string[]; exclude?: string[]; watch?: string[]; recover?: string[] } = {};
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
        out.intervalSeconds = parseSeconds(value, where);
        break;
      case 'timeout':
        out.timeoutSeconds = parseSeconds(value, where);
        break;
      case 'watch-interval':
        out.watchIntervalSeconds = parseSeconds(value, where);
        break;
      case 'slow-after':
        out.slowAfterSeconds = parseSeconds(value, where);
        break;
      case 'include':
      case 'exclude':
      case 'watch':
        if (value === '') throw new SettingsError(`${where}: ${key} needs a glob or fstype:PATTERN`);
        (lists[key] ??= []).push(value);
        break;
      case 'syslog-socket':
        out.syslogSocket = value;
        break;
      case 'socket':
        out.socketPath = value;
        break;
      case 'admin-group':
        if (!validAdminGroup(value)) throw new SettingsError(`${where}: admin-group needs a group name, got ${JSON.stringify(value)}`);
        out.adminGroup = value;
        break;
      case 'recover':
        try {
          parseRecoverRule(value);
        } catch (err) {
          throw new SettingsError(`${where}: ${(err as Error).message}`);
        }
        (lists.recover ??= []).push(value);
        break;
      default:
        throw new SettingsError(
          `${where}: unknown setting ${JSON.stringify(key)} (known: interval, timeout, watch-interval, slow-after, include, exclude, watch, syslog-socket, socket, admin-group, recover)`,
        );
    }
  });
  // A file that lists include/exclude replaces the defaults' lists; the command line adds to them later.
  if (lists.include) out.include = lists.include;
  if (lists.exclude) out.exclude = lists.exclude;
  if (lists.watch) out.watch = lists.watch;
  if (lists.recover) out.recover = lists.recover;
  return out;
}
