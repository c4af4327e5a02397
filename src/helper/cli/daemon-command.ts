// `mountstatus daemon`: sweeps forever in the foreground for a supervisor (systemd, launchd).
// SIGTERM/SIGINT stop cleanly (probes killed and reaped, socket removed); SIGHUP rereads the config
// file, and a bad one keeps the settings in force and says why in the log.
import { createMonitor, monitorSettings } from '../../node/create-monitor.js';
import { applyCommandLine, parseCommand, resolveSettings, type OptionName } from './options.js';
import type { CommandIo } from './io.js';
import { monitorLogFor } from '../log/syslog-monitor-log.js';
import * as lines from '../log/lines.js';
import { openLog } from '../log/open-log.js';
import type { Log } from '../log/log.js';
import { loadConfigFile } from '../config/config-file.js';
import { DEFAULT_SETTINGS, type Settings } from '../../node/config/settings.js';
import { openHelperSocket } from '../ipc/helper-socket.js';
import { defaultSocketPath } from '../../node/ipc/paths.js';
import { KmsgFollower } from '../passive/kmsg.js';
import { startMetrics } from '../metrics/start-metrics.js';
import { mountNamespaceWarning } from '../mount-namespace.js';
import type { Monitor } from '../../node/monitor/monitor.js';
import { HomeWatch } from '../homes/home-watch.js';
import { startRecovery } from '../recovery/start-recovery.js';

/**
 * Kernel lines such as `nfs: server nfs1 not responding, still trying` mark that server's mounts suspect
 * and probe them at once (passive: /dev/kmsg is read, no mount is touched).
 */
function followKernelMessages(monitor: Monitor, log: Log): KmsgFollower | undefined {
  const reason = (err: unknown) => (err as NodeJS.ErrnoException).code ?? (err as Error).message;
  const kmsg = new KmsgFollower({
    // The CIFS client prints no line when its server answers again (fs/smb/client/connect.c).
    onSignal: (signal) => void monitor.serverSignal(signal.server, signal.kind, signal.text, { okLine: signal.fs === 'nfs' }),
    onError: (error) => log.line(lines.kmsgStopped(reason(error))),
  });
  try {
    kmsg.start();
    return kmsg;
  } catch (err) {
    log.line(lines.kmsgUnavailable(reason(err)));
    return undefined;
  }
}

/** After SIGTERM, the most a clean stop (probes killed and reaped, socket removed, log flushed) may take. */
const STOP_DEADLINE_MS = 10_000;

/** The options `daemon` accepts; each is described in DAEMON_USAGE. */
export const DAEMON_OPTIONS = [
  'interval', 'timeout', 'watch-interval', 'slow-after', 'watch', 'include', 'exclude', 'config', 'socket', 'syslog-socket', 'no-syslog',
  'metrics-listen', 'metrics-textfile', 'metrics-exclude', 'metrics-max-mounts', 'help',
] as const satisfies readonly OptionName[];

export const DAEMON_USAGE = `usage: mountstatus daemon [--interval SECONDS] [--timeout SECONDS] [--watch-interval SECONDS] [--slow-after SECONDS]
                          [--watch GLOB]... [--config FILE] [--include GLOB]... [--exclude GLOB]...
                          [--socket PATH] [--syslog-socket PATH | --no-syslog]
                          [--metrics-listen ADDRESS:PORT] [--metrics-textfile PATH] [--metrics-exclude GLOB]... [--metrics-max-mounts N]
  Checks every mount every --interval seconds (default 60) and logs to syslog (ident MountStatusMonitor,
  facility daemon). Serves the tray app and \`mountstatus status\` on a Unix socket.
  --interval SECONDS    seconds between sweeps (default 60)
  --timeout SECONDS     kill a probe after this long and report its mount hung (default 10)
  --watch-interval SECONDS
                        seconds between probes of watched mounts: the homes of logged-in users and of
                        connected clients, and --watch patterns (default 1)
  --slow-after SECONDS  a probe unanswered this long makes its mount slow, the first warning (default 1.5)
  --watch GLOB          also watch mountpoints matching GLOB (repeatable); fstype:PATTERN matches the type
  --config FILE         settings file (default /etc/mount-status-monitor.conf when it exists); SIGHUP rereads it
  --include GLOB        only mountpoints matching GLOB (repeatable); fstype:PATTERN matches the type
  --exclude GLOB        leave out mountpoints matching GLOB (repeatable); fstype:PATTERN matches the type
  --socket PATH         IPC socket (default /run/mount-status-monitor/helper-v1.sock as root,
                        $XDG_RUNTIME_DIR/mount-status-monitor/helper-v1.sock otherwise); "" for none
  --syslog-socket PATH  the system log's socket (default /dev/log)
  --no-syslog           log to standard error only
  --metrics-listen ADDRESS:PORT
                        serve Prometheus metrics at http://ADDRESS:PORT/metrics (off by default; a port
                        alone means 127.0.0.1; 0.0.0.0:PORT or [::]:PORT for every address)
  --metrics-textfile PATH
                        write the same metrics to PATH (*.prom) for node_exporter's textfile collector
  --metrics-exclude GLOB
                        no per-mount series for these mounts (repeatable; "none" drops the default
                        list of container and Kubernetes pod mounts)
  --metrics-max-mounts N
                        at most N mounts get per-mount series (default 500; the rest are counted)
Command-line options override the config file's settings; --include, --exclude and --watch add to its lists.
`;

export async function runDaemonCommand(argv: string[], io: CommandIo): Promise<number> {
  const cmd = parseCommand(argv, DAEMON_OPTIONS);
  if (cmd.values.help) {
    io.stdout(DAEMON_USAGE);
    return 0;
  }
  // Signals first: a SIGHUP (default action: terminate) or SIGTERM that comes while we start must not
  // kill us half-way. SIGTERM aborts what is under way, the config read at start-up or in a reload
  // included (config-reader.ts kills its child), so it always ends the process.
  let hupWaiting = false;
  let onHup = () => void (hupWaiting = true);
  let stopRequested: (() => void) | undefined;
  const stop = new AbortController();
  const stopSignal = () => {
    if (stop.signal.aborted) return; // a second SIGTERM while stopping: already on our way out
    stop.abort();
    stopRequested?.();
    // The last word, whatever a clean stop waits on: gone within STOP_DEADLINE_MS.
    setTimeout(() => {
      io.stderr(`mountstatus daemon: did not stop within ${STOP_DEADLINE_MS / 1000} seconds of the signal; exiting now\n`);
      process.exit(1);
    }, STOP_DEADLINE_MS).unref();
  };
  process.on('SIGHUP', () => onHup());
  process.on('SIGTERM', stopSignal);
  process.on('SIGINT', stopSignal);
  let resolved: Awaited<ReturnType<typeof resolveSettings>>;
  try {
    resolved = await resolveSettings(cmd, { defaultConfig: true, signal: stop.signal });
  } catch (err) {
    if (!stop.signal.aborted) throw err;
    io.stderr('mountstatus daemon: stopped while reading the config file, before starting\n');
    return 0;
  }
  let settings = resolved.settings;
  const uid = process.getuid?.() ?? 0;
  const privileged = uid === 0;
  const log = openLog({ syslogSocket: settings.syslogSocket, echo: true });
  log.line(lines.starting(uid, settings, resolved.configPath));
  if (!privileged) log.line(lines.nonRoot(uid));
  const foreignNamespace = mountNamespaceWarning();
  if (foreignNamespace) log.line(foreignNamespace);

  const monitor = createMonitor(settings, privileged ? 'system' : 'user', monitorLogFor(log));
  const homes = new HomeWatch({ watch: (dirs) => monitor.watchDirectories('homes', dirs) });
  const recovery = privileged ? startRecovery(monitor, () => settings, log) : undefined;
  const socketPath = settings.socketPath ?? defaultSocketPath({ privileged });
  let ipc: Awaited<ReturnType<typeof openHelperSocket>> | undefined;
  if (socketPath !== '') {
    try {
      // Dropped or misbehaving clients are worth a warning; routine connections are not logged.
      ipc = await openHelperSocket({
        socketPath,
        monitor,
        log,
        onClient: (peer) => homes.clientConnected(peer.uid),
        ...(recovery ? { handlers: { unmount: recovery.unmount, disconnect: recovery.disconnect } } : {}),
      });
    } catch (err) {
      log.line(lines.cannotServe(socketPath, (err as Error).message));
      await log.close();
      io.stderr(`mountstatus daemon: cannot serve ${socketPath}: ${(err as Error).message}\n`);
      return 2;
    }
  }
  const metrics = startMetrics(monitor, settings, log);
  monitor.start();
  homes.start();
  const kmsg = followKernelMessages(monitor, log);

  const reload = async () => {
    if (resolved.configPath === undefined) {
      log.line(lines.reloadWithoutConfig());
      return;
    }
    let next: Settings;
    try {
      next = applyCommandLine(await loadConfigFile(resolved.configPath, DEFAULT_SETTINGS, { signal: stop.signal }), cmd);
    } catch (err) {
      if (!stop.signal.aborted) log.line(lines.configKept((err as Error).message));
      return;
    }
    settings = next;
    monitor.reconfigure(monitorSettings(settings));
    metrics.reconfigure(settings);
    recovery?.reconfigure();
    log.line(lines.reloaded(resolved.configPath, settings));
  };
  // One reload at a time; a SIGHUP during a reload rereads the file once more afterwards.
  let reloading: Promise<void> | undefined;
  let again = false;
  onHup = () => {
    if (reloading) {
      again = true;
      return;
    }
    reloading = reload().finally(() => {
      reloading = undefined;
      if (again) {
        again = false;
        onHup();
      }
    });
  };
  if (hupWaiting) onHup();

  await new Promise<void>((resolve) => {
    stopRequested = resolve;
    if (stop.signal.aborted) resolve();
  });
  log.line(lines.stopping());
  kmsg?.stop();
  homes.stop();
  recovery?.stop();
  await monitor.stop();
  await metrics.close();
  await ipc?.close();
  await log.close();
  return 0;
}
