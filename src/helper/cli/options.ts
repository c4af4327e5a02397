// Command-line options shared by `check` and `daemon`, merged over the config file's settings.
import { parseArgs } from 'node:util';
import { DEFAULT_CONFIG_FILE, DEFAULT_SETTINGS, parseSeconds, SettingsError, type Settings } from '../../node/config/settings.js';
import { loadConfigFile } from '../config/config-file.js';
import { checkMetricsListen } from '../metrics/listen-address.js';
import { addMetricsExclude, parseMetricsMaxMounts } from '../metrics/metrics-exclusion.js';
import { checkTextfilePath } from '../metrics/textfile-writer.js';

export class UsageError extends Error {
  override name = 'UsageError';
}

const OPTIONS = {
  json: { type: 'boolean' },
  follow: { type: 'boolean' },
  timeout: { type: 'string' },
  interval: { type: 'string' },
  'watch-interval': { type: 'string' },
  'slow-after': { type: 'string' },
  watch: { type: 'string', multiple: true },
  include: { type: 'string', multiple: true },
  exclude: { type: 'string', multiple: true },
  config: { type: 'string' },
  socket: { type: 'string' },
  'syslog-socket': { type: 'string' },
  'no-syslog': { type: 'boolean' },
  syslog: { type: 'boolean' },
  'metrics-listen': { type: 'string' },
  'metrics-textfile': { type: 'string' },
  'metrics-exclude': { type: 'string', multiple: true },
  'metrics-max-mounts': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export type OptionName = keyof typeof OPTIONS;

export interface ParsedCommand {
  values: { [K in OptionName]?: (typeof OPTIONS)[K] extends { multiple: true } ? string[] : (typeof OPTIONS)[K]['type'] extends 'boolean' ? boolean : string };
}

/** Parses argv, accepting only the options this command lists. */
export function parseCommand(argv: string[], allowed: readonly OptionName[]): ParsedCommand {
  const options = Object.fromEntries(allowed.map((k) => [k, OPTIONS[k]]));
  try {
    const { values, positionals } = parseArgs({ args: argv, options, strict: true, allowPositionals: true });
    if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
    return { values: values as ParsedCommand['values'] };
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError((err as Error).message);
  }
}

/**
 * Defaults, then the config file (the explicit --config, or for the daemon the default file when it
 * exists), then the command line. `signal` aborts the read of the config file (the daemon's SIGTERM).
 */
export async function resolveSettings(
  cmd: ParsedCommand,
  opts: { defaultConfig: boolean; signal?: AbortSignal },
): Promise<{ settings: Settings; configPath?: string }> {
  const explicit = cmd.values.config;
  const configPath = explicit ?? (opts.defaultConfig ? DEFAULT_CONFIG_FILE : undefined);
  if (configPath === undefined) return { settings: applyCommandLine(DEFAULT_SETTINGS, cmd) };
  const read = opts.signal ? { signal: opts.signal } : {};
  const fromFile = await loadConfigFile(configPath, DEFAULT_SETTINGS, { ...read, optional: explicit === undefined });
  if (fromFile === undefined) return { settings: applyCommandLine(DEFAULT_SETTINGS, cmd) };
  return { settings: applyCommandLine(fromFile, cmd), configPath };
}

export function applyCommandLine(base: Settings, cmd: ParsedCommand): Settings {
  const v = cmd.values;
  // As in the config file: an empty pattern is a mistake (an unset shell variable), and --include ''
  // would otherwise match nothing, check nothing and exit 0 as if every mount were well.
  for (const key of ['include', 'exclude', 'watch', 'metrics-exclude'] as const) {
    if (v[key]?.some((g) => g.trim() === '')) throw new UsageError(`--${key} needs a glob or fstype:PATTERN, got ""`);
  }
  const out: Settings = {
    ...base,
    include: [...base.include, ...(v.include ?? [])],
    exclude: [...base.exclude, ...(v.exclude ?? [])],
    watch: [...base.watch, ...(v.watch ?? [])],
  };
  try {
    if (v.timeout !== undefined) out.timeoutSeconds = parseSeconds('timeout', v.timeout, '--timeout');
    if (v.interval !== undefined) out.intervalSeconds = parseSeconds('interval', v.interval, '--interval');
    if (v['watch-interval'] !== undefined) out.watchIntervalSeconds = parseSeconds('watch-interval', v['watch-interval'], '--watch-interval');
    if (v['slow-after'] !== undefined) out.slowAfterSeconds = parseSeconds('slow-after', v['slow-after'], '--slow-after');
    if (v['metrics-listen'] !== undefined) out.metricsListen = checkMetricsListen(v['metrics-listen'], '--metrics-listen');
    if (v['metrics-textfile'] === '') delete out.metricsTextfile;
    else if (v['metrics-textfile'] !== undefined) out.metricsTextfile = checkTextfilePath(v['metrics-textfile'], '--metrics-textfile');
    if (v['metrics-exclude']) out.metricsExclude = addMetricsExclude(base.metricsExclude, v['metrics-exclude']);
    if (v['metrics-max-mounts'] !== undefined) out.metricsMaxMounts = parseMetricsMaxMounts(v['metrics-max-mounts'], '--metrics-max-mounts');
  } catch (err) {
    throw new UsageError((err as SettingsError).message);
  }
  if (v['syslog-socket'] !== undefined) out.syslogSocket = v['syslog-socket'];
  if (v['no-syslog']) out.syslogSocket = '';
  if (v.socket !== undefined) out.socketPath = v.socket;
  return out;
}
