// Every line the helper writes to the system log, as functions: the contract with admins, who grep for
// these. Change the words only with a README change. The first four are the seed's lines, byte-exact:
//
//   Checked 42 mounts in 0 seconds
//   Checked 37 mounts in 60 seconds: 1 dead
//   Timed out waiting for child process 30686: sending SIGKILL
//   Couldn't check mountpoint /example: mode 4000 does not allow access
//
// The rest are new, in the same voice: what happened, to what, and what the helper does about it.
// Every path and free-text reason goes through escapeLogText, so a mountpoint named "a\nb" is logged as
// "a\012b" (kernel mountinfo style) and a line always stays one line.
//
// Counts take proper singular forms ("Checked 1 mount in 1 second"); the seed only shows plurals, and
// admins' patterns should be written as `Checked [0-9]+ mounts? in`. Seconds are whole (rounded), as
// in the seed.
//
// Severities (syslog(3) levels, facility daemon):
//   info     routine: a sweep with nothing dead, startup, config loaded
//   notice   good news or a condition worth knowing: recovery, a stuck probe finally exited, non-root
//   warning  a mount the helper cannot judge or a sweep with dead mounts, a skipped mount-table line,
//            log messages lost
//   err      a mount is not working: timeout/SIGKILL, errno failures, stuck probes, a server down,
//            an unreadable mount table, a bad config
import { escapeLogText } from './escape.js';
import { errnoText } from '../../node/errno-text.js';
import type { SeverityName } from './severity.js';

export interface LogLine {
  severity: SeverityName;
  /** The exact text after `MountStatusMonitor[PID]: `. */
  text: string;
}

function count(n: number, singular: string, plural = singular + 's'): string {
  return `${n} ${n === 1 ? singular : plural}`;
}

function wholeSeconds(seconds: number): number {
  return Math.max(0, Math.round(seconds));
}

/** "45 seconds", "3 minutes", "5 hours", "2 days": whole units, rounded down, for durations. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 120) return count(s, 'second');
  if (s < 120 * 60) return count(Math.floor(s / 60), 'minute');
  if (s < 48 * 3600) return count(Math.floor(s / 3600), 'hour');
  return count(Math.floor(s / 86400), 'day');
}

/** Permission bits as the seed prints them: %03o of mode & 07777 ("4000", "000", "700"). */
export function formatMode(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(3, '0');
}

/**
 * The summary after each sweep. `checked` counts every mount the sweep looked at (the original
 * counted only some of them); `dead` counts hung, error and stuck mounts (DEAD_STATES).
 */
export function checked(checkedCount: number, seconds: number, dead: number): LogLine {
  const base = `Checked ${count(checkedCount, 'mount')} in ${count(wholeSeconds(seconds), 'second')}`;
  if (dead > 0) return { severity: 'warning', text: `${base}: ${dead} dead` };
  return { severity: 'info', text: base };
}

/** A probe did not answer within the timeout (seed line). */
export function timedOut(childPid: number): LogLine {
  return { severity: 'err', text: `Timed out waiting for child process ${childPid}: sending SIGKILL` };
}

/** Follows timedOut: names the mount, which the seed's line does not. */
export function notResponding(mountpoint: string, timeoutSeconds: number): LogLine {
  return {
    severity: 'err',
    text: `Mountpoint ${escapeLogText(mountpoint)} is not responding: no answer within ${formatDuration(timeoutSeconds)}`,
  };
}

/**
 * A probe still unanswered after slow-after: the first warning, seconds before the timeout (once per
 * episode: a mount flapping between slow and ok is not logged again until it has been well for a while).
 */
export function slow(mountpoint: string, seconds: number, server?: string): LogLine {
  const by = server === undefined ? '' : ` (server ${escapeLogText(server)})`;
  return {
    severity: 'warning',
    text: `Mountpoint ${escapeLogText(mountpoint)} is not answering after ${Number.isInteger(seconds) ? formatDuration(seconds) : `${Math.round(seconds * 10) / 10} seconds`}${by}`,
  };
}

/** How many programs to name in the blocked line; the count says how many there are in all. */
const BLOCKED_NAMED = 8;

/** Processes found waiting on a mount that is not answering (once per episode). */
export function blocked(mountpoint: string, server: string | undefined, count: number, processes: readonly { pid: number; comm: string }[]): LogLine {
  const names = processes.slice(0, BLOCKED_NAMED).map((p) => `${escapeLogText(p.comm)}[${p.pid}]`);
  if (processes.length > BLOCKED_NAMED || count > processes.length) names.push('...');
  const verb = count === 1 ? 'process is' : 'processes are';
  return {
    severity: 'warning',
    text: `${count} ${verb} blocked on ${escapeLogText(mountpoint)}${server === undefined ? '' : ` (${escapeLogText(server)})`}: ${names.join(', ')}`,
  };
}

/** The mountpoint's mode does not let its owner list it (seed line). */
export function denied(mountpoint: string, mode: number): LogLine {
  return {
    severity: 'warning',
    text: `Couldn't check mountpoint ${escapeLogText(mountpoint)}: mode ${formatMode(mode)} does not allow access`,
  };
}

/** A probe got an errno: `Couldn't check mountpoint /mnt/x: ENOTCONN: Transport endpoint is not connected`. */
export function errnoFailure(mountpoint: string, errnoName: string, message?: string): LogLine {
  const text = message ?? errnoText(errnoName);
  const reason = text === undefined ? escapeLogText(errnoName) : `${escapeLogText(errnoName)}: ${escapeLogText(text)}`;
  return { severity: 'err', text: `Couldn't check mountpoint ${escapeLogText(mountpoint)}: ${reason}` };
}

/** A killed probe has not exited (D state in a FUSE/NFS request); the mount is skipped until it does. */
export function stuck(childPid: number, mountpoint: string, secondsSinceKill: number): LogLine {
  return {
    severity: 'err',
    text:
      `Child process ${childPid} for ${escapeLogText(mountpoint)} is still stuck ${formatDuration(secondsSinceKill)} ` +
      `after SIGKILL; not probing it again until it exits`,
  };
}

/** The stuck probe finally exited; the mount will be probed again. */
export function stuckExited(childPid: number, mountpoint: string, stuckSeconds: number): LogLine {
  return {
    severity: 'notice',
    text: `Child process ${childPid} for ${escapeLogText(mountpoint)} exited after being stuck for ${formatDuration(stuckSeconds)}; probing it again`,
  };
}

/** A mount that was dead (hung, error, stuck) or denied is ok again. */
export function recovered(mountpoint: string, downSeconds: number): LogLine {
  return {
    severity: 'notice',
    text: `Mountpoint ${escapeLogText(mountpoint)} is responding again after ${formatDuration(downSeconds)}`,
  };
}

/** Some or all of one server's mounts are dead (server = the host part of the mount source). */
export function serverDown(server: string, deadMounts: number): LogLine {
  return {
    severity: 'err',
    text: `Server ${escapeLogText(server)}: ${count(deadMounts, 'mount')} not responding`,
  };
}

export function serverUp(server: string): LogLine {
  return { severity: 'notice', text: `Server ${escapeLogText(server)} is responding again` };
}

/**
 * The probe fork server (the helper's own child) died or stopped answering mid-work: the mounts' probes
 * it had in flight run again on a new one, so this is the one line about it, not one per mount.
 */
export function probeServerLost(pid: number, why: string, inFlight: number): LogLine {
  const then = inFlight === 0 ? 'a new one starts with the next probe' : `probing the ${count(inFlight, 'mount')} it had in flight again on a new one`;
  return { severity: 'warning', text: `Probe fork server ${pid} ${escapeLogText(why)}: ${then}` };
}

/** Started without root: probes run as this uid and see only what it may see. */
export function nonRoot(uid: number): LogLine {
  return {
    severity: 'notice',
    text: `Running as uid ${uid}: probes cannot switch to each mountpoint's owner`,
  };
}

export function started(intervalSeconds: number, timeoutSeconds: number): LogLine {
  return {
    severity: 'info',
    text: `Started: checking every ${formatDuration(intervalSeconds)}, timeout ${formatDuration(timeoutSeconds)}`,
  };
}

/** Shutting down on a signal (SIGTERM from the supervisor): probes are killed and reaped first. */
export function stopping(signal: string): LogLine {
  return { severity: 'notice', text: `Stopping on ${escapeLogText(signal)}` };
}

export function configLoaded(file: string): LogLine {
  return { severity: 'info', text: `Loaded config ${escapeLogText(file)}` };
}

/** SIGHUP with a config that does not parse or validate: nothing changes. */
export function configKept(file: string, reason: string): LogLine {
  return {
    severity: 'err',
    text: `Couldn't load config ${escapeLogText(file)}: ${escapeLogText(reason)}; keeping the previous config`,
  };
}

/** A mount-table line that does not parse is skipped; the rest of the sweep goes on. */
export function mountTableLine(table: string, lineNumber: number, reason: string, text: string): LogLine {
  return {
    severity: 'warning',
    text: `Skipped line ${lineNumber} of ${escapeLogText(table)}: ${escapeLogText(reason)}: ${escapeLogText(text)}`,
  };
}

/** The only failure that fails a whole sweep. */
export function mountTableUnreadable(table: string, errnoName: string, message?: string): LogLine {
  const text = message ?? errnoText(errnoName);
  const reason = text === undefined ? escapeLogText(errnoName) : `${escapeLogText(errnoName)}: ${escapeLogText(text)}`;
  return { severity: 'err', text: `Couldn't read the mount table ${escapeLogText(table)}: ${reason}; skipping this sweep` };
}

/** Written once syslog accepts messages again after our bounded queue overflowed (stalled daemon). */
export function syslogDropped(dropped: number): LogLine {
  return {
    severity: 'warning',
    text: `Dropped ${count(dropped, 'log message')} while syslog was not accepting them`,
  };
}

/** Written once syslog is reachable again after logger(1) could not connect to it. */
export function syslogUnavailable(missed: number, reason: string): LogLine {
  return {
    severity: 'warning',
    text: `Syslog was unavailable (${escapeLogText(reason)}): ${count(missed, 'log message')} went to standard error only`,
  };
}

/** `Cannot serve metrics on 127.0.0.1:9877: EADDRINUSE: Address already in use`-style reason. */
function errnoReason(errnoName: string | undefined, message: string): string {
  const text = errnoName === undefined ? undefined : errnoText(errnoName);
  return errnoName === undefined ? escapeLogText(message) : `${escapeLogText(errnoName)}: ${escapeLogText(text ?? message)}`;
}

/** The Prometheus endpoint is listening (metrics-listen); the URL has the port actually bound. */
export function metricsServing(url: string): LogLine {
  return { severity: 'notice', text: `Serving Prometheus metrics at ${escapeLogText(url)}` };
}

/** metrics-listen could not be bound (port in use, address not on this host yet): monitoring goes on. */
export function metricsListenFailed(address: string, errnoName: string | undefined, message: string, retrySeconds: number): LogLine {
  return {
    severity: 'warning',
    text: `Cannot serve metrics on ${escapeLogText(address)}: ${errnoReason(errnoName, message)}; monitoring goes on, trying again every ${formatDuration(retrySeconds)}`,
  };
}

/** metrics-textfile is in use. */
export function metricsTextfile(path: string): LogLine {
  return { severity: 'notice', text: `Writing Prometheus metrics to ${escapeLogText(path)} after each change` };
}

/** A metrics-textfile write failed (logged once until a write works again). */
export function metricsTextfileFailed(path: string, errnoName: string | undefined, message: string): LogLine {
  return {
    severity: 'warning',
    text: `Cannot write metrics to ${escapeLogText(path)}: ${errnoReason(errnoName, message)}; monitoring goes on, trying again at the next change`,
  };
}

export function metricsTextfileRecovered(path: string): LogLine {
  return { severity: 'notice', text: `Writing metrics to ${escapeLogText(path)} again` };
}
/**
 * The helper's mount namespace is not init's (PID 1's): a unit with ProtectSystem=, PrivateTmp= and the
 * like gives a service a private one (systemd.exec(5)). Its table is then a copy: it goes on showing
 * mounts the host has removed, and an unmount by the helper would detach only its own copy.
 */
export function foreignMountNamespace(own: string, init: string): LogLine {
  return {
    severity: 'warning',
    text:
      `Running in mount namespace ${escapeLogText(own)}, not init's ${escapeLogText(init)}: the mounts checked here are a copy, ` +
      `not the host's; run the service without ProtectSystem=, PrivateTmp=, ProtectHome= or other options that give it its own mount namespace`,
  };
}

/** 19000 -> "19,000": refusal counts run into the thousands. */
function thousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Whose IPC clients: "of uid 1001"; "of several users" when too many uids are refused at once to list. */
export type RefusedWho = number | 'several' | undefined;

function ofWho(who: RefusedWho): string {
  if (who === undefined) return '';
  return who === 'several' ? ' of several users' : ` of uid ${who}`;
}

/** The first IPC client refused after a quiet spell: logged at once, the rest summarised by refusedClients. */
export function refusedClient(who: RefusedWho, reason: string): LogLine {
  return { severity: 'warning', text: `Refused IPC client${ofWho(who)}: ${escapeLogText(reason)}` };
}

/** `Refused 19,000 IPC clients of uid 1001 in the last 5 seconds: too many clients (limit 8)`. */
export function refusedClients(count: number, who: RefusedWho, seconds: number, reason: string): LogLine {
  return {
    severity: 'warning',
    text: `Refused ${thousands(count)} IPC client${count === 1 ? '' : 's'}${ofWho(who)} in the last ${formatDuration(seconds)}: ${escapeLogText(reason)}`,
  };
}

/** Who or what an unmount was for: a client (by the uid the kernel gave its connection) or a `recover` rule. */
export type UnmountCause = { uid: number } | { notRespondingSeconds: number };

/**
 * A dead mount unmounted to free the programs stuck on it (issue 13): `Force-unmounted /mnt/x (server
 * nfs1) after 5 minutes not responding: 3 blocked processes released`. "Lazily unmounted" when it was
 * still busy and only detached (MNT_DETACH).
 */
export function unmounted(
  mountpoint: string,
  server: string | undefined,
  outcome: 'unmounted' | 'detached',
  mountsUnder: number,
  cause: UnmountCause,
  released: number,
): LogLine {
  const under = mountsUnder > 0 ? ` and ${count(mountsUnder, 'mount')} under it` : '';
  const by = server === undefined ? '' : ` (server ${escapeLogText(server)})`;
  const why = 'uid' in cause ? ` as asked by uid ${cause.uid}` : ` after ${formatDuration(cause.notRespondingSeconds)} not responding`;
  const freed = released > 0 ? `: ${count(released, 'blocked process', 'blocked processes')} released` : '';
  return {
    severity: 'warning',
    text: `${outcome === 'detached' ? 'Lazily unmounted' : 'Force-unmounted'} ${escapeLogText(mountpoint)}${under}${by}${why}${freed}`,
  };
}

/** An unmount request the helper would not carry out (who asked, or what was asked for). */
export function unmountRefused(mountpoint: string, uid: number, reason: string): LogLine {
  return { severity: 'warning', text: `Refused to unmount ${escapeLogText(mountpoint)} for uid ${uid}: ${escapeLogText(reason)}` };
}

/** An unmount that was tried and left the mount in place (busy, timed out, the path changed). */
export function unmountFailed(mountpoint: string, reason: string): LogLine {
  return { severity: 'err', text: `Couldn't unmount ${escapeLogText(mountpoint)}: ${escapeLogText(reason)}` };
}

/** Before unmounting an automounted filesystem: its daemon may expire it itself (SIGUSR1, automount(8)). */
export function automountExpireAsked(mountpoint: string, daemonPid: number): LogLine {
  return { severity: 'notice', text: `Asked the automount daemon (pid ${daemonPid}) to expire unused mounts before unmounting ${escapeLogText(mountpoint)}` };
}

/** A `recover` rule is due but the policy's rate limit holds it back (said once per mount). */
export function recoverPostponed(mountpoint: string, limit: number, windowSeconds: number): LogLine {
  return {
    severity: 'warning',
    text: `Not unmounting ${escapeLogText(mountpoint)} yet: the recover policy's limit of ${count(limit, 'unmount')} in ${formatDuration(windowSeconds)} is reached`,
  };
}
