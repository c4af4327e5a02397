// Every line the helper logs, one function each, from structured fields: the contract with admins, who
// grep for these. The admin guide's log table (docs/admin-guide.md) shows each function's examples (line-examples.ts), and
// test/helper/log/guide-log-table.unit.test.ts holds the two together: change the words only with the
// guide. The first four are the original MountStatusMonitor's, byte for byte, plurals included (its
// format strings were `Checked %u mounts in %i seconds` and `...: %u dead`, and admins' patterns match
// them):
//
//   Checked 42 mounts in 0 seconds
//   Checked 37 mounts in 60 seconds: 1 dead
//   Timed out waiting for child process 30686: sending SIGKILL
//   Couldn't check mountpoint /example: mode 4000 does not allow access
//
// The rest are new, in the same voice: what happened, to what, and what the helper does about it; they
// say "1 second" and "1 mount". Every path and free-text reason goes through logText: cut to
// MAX_LOG_TEXT_BYTES (a 4.6 MB mountpoint must not push the errno out of the line) and escaped, so a
// mountpoint named "a\nb" is logged as "a\012b" (kernel mountinfo style) and a line stays one line.
// Seconds are whole (rounded), as in the seed.
//
// Severities (syslog(3) levels, facility daemon):
//   info     routine: a sweep with nothing dead, a stale socket replaced
//   notice   good news or a condition worth knowing: start, stop, reload, recovery, a stuck probe finally
//            exited, non-root
//   warning  a mount the helper cannot judge or a sweep with dead mounts, a skipped mount-table line,
//            log messages lost, a client dropped, a bad config kept out
//   err      a mount is not working: timeout/SIGKILL, errno failures, stuck probes, a server down,
//            an unreadable mount table
import { logText } from './escape.js';
import { count, formatDuration, formatMode, scheduleText, thousands, type Schedule } from './words.js';
import { errnoText } from '../../node/errno-text.js';
import { deadDaemonMessage } from '../../node/automount/policy.js';
import type { ProbeStage } from '../../node/probe/prober.js';
import type { SeverityName } from './severity.js';
import type { ServerSignalKind } from '../../node/monitor/server-suspects.js';

export interface LogLine {
  severity: SeverityName;
  /** The exact text after `MountStatusMonitor[PID]: `. */
  text: string;
}

function wholeSeconds(seconds: number): number {
  return Math.max(0, Math.round(seconds));
}

/** "ENOTCONN: Transport endpoint is not connected" (glibc's words), or the errno alone, or the fallback. */
function errnoReason(errno: string | undefined, fallback: string): string {
  if (errno === undefined) return logText(fallback);
  const text = errnoText(errno) ?? (fallback === '' ? undefined : fallback);
  return text === undefined ? logText(errno) : `${logText(errno)}: ${logText(text)}`;
}

// ---- the original's four lines --------------------------------------------------------------------

/**
 * The summary after each sweep, in the seed's words: always "mounts" and "seconds". `mounts` counts every
 * mount the sweep looked at (the original counted only some of them); `dead` counts hung, error and
 * stuck mounts (DEAD_STATES).
 */
export function checked(mounts: number, seconds: number, dead: number): LogLine {
  const base = `Checked ${mounts} mounts in ${wholeSeconds(seconds)} seconds`;
  if (dead > 0) return { severity: 'warning', text: `${base}: ${dead} dead` };
  return { severity: 'info', text: base };
}

/** A probe did not answer within the timeout (seed line). */
export function timedOut(childPid: number): LogLine {
  return { severity: 'err', text: `Timed out waiting for child process ${childPid}: sending SIGKILL` };
}

/** The mountpoint's mode does not let its owner list it (seed line). */
export function denied(mountpoint: string, mode: number): LogLine {
  return {
    severity: 'warning',
    text: `Couldn't check mountpoint ${logText(mountpoint)}: mode ${formatMode(mode)} does not allow access`,
  };
}

// ---- mounts -------------------------------------------------------------------------------------------

/** Follows timedOut: names the mount, which the seed's line does not. */
export function notResponding(mountpoint: string, timeoutSeconds: number): LogLine {
  return {
    severity: 'err',
    text: `Mountpoint ${logText(mountpoint)} is not responding: no answer within ${formatDuration(timeoutSeconds)}`,
  };
}

/**
 * A probe still unanswered after slow-after: the first warning, seconds before the timeout (once per
 * episode: a mount flapping between slow and ok is not logged again until it has been well for a while).
 */
export function slow(mountpoint: string, seconds: number, server?: string): LogLine {
  const by = server === undefined ? '' : ` (server ${logText(server)})`;
  const after = Number.isInteger(seconds) ? formatDuration(seconds) : `${Math.round(seconds * 10) / 10} seconds`;
  return { severity: 'warning', text: `Mountpoint ${logText(mountpoint)} is not answering after ${after}${by}` };
}

/** How many programs to name in the blocked line; the count says how many there are in all. */
const BLOCKED_NAMED = 8;

/** Processes found waiting on a mount that is not answering (once per episode). */
export function blocked(mountpoint: string, server: string | undefined, total: number, processes: readonly { pid: number; comm: string }[]): LogLine {
  const names = processes.slice(0, BLOCKED_NAMED).map((p) => `${logText(p.comm)}[${p.pid}]`);
  if (processes.length > BLOCKED_NAMED || total > processes.length) names.push('...');
  const verb = total === 1 ? 'process is' : 'processes are';
  return {
    severity: 'warning',
    text: `${total} ${verb} blocked on ${logText(mountpoint)}${server === undefined ? '' : ` (${logText(server)})`}: ${names.join(', ')}`,
  };
}

/**
 * A probe got an errno: `Couldn't check mountpoint /mnt/x: ENOTCONN: Transport endpoint is not connected`.
 * `reason` replaces the errno's own words where they would mislead (a path that no longer leads to the mount).
 */
export function errnoFailure(mountpoint: string, errno: string, reason?: string): LogLine {
  const why = reason === undefined ? errnoReason(errno, '') : `${logText(errno)}: ${logText(reason)}`;
  return { severity: 'err', text: `Couldn't check mountpoint ${logText(mountpoint)}: ${why}` };
}

/**
 * A permission error on the way (EACCES, EPERM): the probe's user may not list the mount. Not a dead
 * mount, so a warning like the seed's mode line, with the call that was refused.
 */
export function deniedByErrno(mountpoint: string, errno: string, stage: ProbeStage): LogLine {
  return { severity: 'warning', text: `Couldn't check mountpoint ${logText(mountpoint)}: ${errnoReason(errno, '')} (at ${stage})` };
}

/** A killed probe has not exited (D state in a FUSE/NFS request); the mount is skipped until it does. */
export function stuck(childPid: number, mountpoint: string, secondsSinceKill: number): LogLine {
  return {
    severity: 'err',
    text:
      `Child process ${childPid} for ${logText(mountpoint)} is still stuck ${formatDuration(secondsSinceKill)} ` +
      `after SIGKILL; not probing it again until it exits`,
  };
}

/** The stuck probe finally exited; the mount will be probed again. */
export function stuckExited(childPid: number, mountpoint: string, stuckSeconds: number): LogLine {
  return {
    severity: 'notice',
    text: `Child process ${childPid} for ${logText(mountpoint)} exited after being stuck for ${formatDuration(stuckSeconds)}; probing it again`,
  };
}

/** A mount that was dead (hung, error, stuck) or denied is ok again. */
export function recovered(mountpoint: string, downSeconds: number): LogLine {
  return { severity: 'notice', text: `Mountpoint ${logText(mountpoint)} is responding again after ${formatDuration(downSeconds)}` };
}

/** Some or all of one server's mounts are dead (server = the host part of the mount source). */
export function serverDown(server: string, deadMounts: number): LogLine {
  return { severity: 'err', text: `Server ${logText(server)}: ${count(deadMounts, 'mount')} not responding` };
}

/** None of the server's mounts is dead any more. */
export function serverUp(server: string): LogLine {
  return { severity: 'notice', text: `Server ${logText(server)} is responding again` };
}

/** The kernel logged `nfs: server nfs1 not responding` (or `... OK`): its mounts are probed at once. */
export function kernelSignal(server: string, kind: ServerSignalKind, mounts: number): LogLine {
  return {
    severity: kind === 'ok' ? 'notice' : 'warning',
    text: `Kernel reports server ${logText(server)} ${kind === 'ok' ? 'OK' : 'not responding'}: probing its ${count(mounts, 'mount')} now`,
  };
}

/**
 * An NFS mount's server answers far slower than this mount's usual, retransmits or leaves requests
 * unanswered, while its probes still answer: the warning before `not answering` (once per episode).
 */
export function degrading(mountpoint: string, server: string | undefined, reason: string): LogLine {
  const by = server === undefined ? '' : ` (server ${logText(server)})`;
  return { severity: 'warning', text: `Mountpoint ${logText(mountpoint)} is degrading${by}: ${logText(reason)}` };
}

/** The degrading episode is over: round trips back near the usual, no retransmission for a minute. */
export function degradingOver(mountpoint: string, lastedSeconds: number): LogLine {
  return { severity: 'notice', text: `Mountpoint ${logText(mountpoint)} is answering at its usual speed again after ${formatDuration(lastedSeconds)}` };
}

/** An autofs mount's automount daemon is gone (said once, until it is back). */
export function automountDaemonGone(mountpoint: string, pgrp: number, catatonic: boolean): LogLine {
  return { severity: 'warning', text: deadDaemonMessage({ pgrp, mountpoint: logText(mountpoint), catatonic }) };
}

export function automountDaemonBack(mountpoint: string, pgrp: number): LogLine {
  return { severity: 'notice', text: `automount daemon for ${logText(mountpoint)} is back (pgrp ${pgrp})` };
}

/**
 * The prober (the helper's own child) died or stopped answering mid-work: the mounts' probes
 * it had in flight run again on a new one, so this is the one line about it, not one per mount.
 */
export function proberLost(pid: number, why: string, inFlight: number): LogLine {
  const then = inFlight === 0 ? 'a new one starts with the next probe' : `probing the ${count(inFlight, 'mount')} it had in flight again on a new one`;
  return { severity: 'warning', text: `Prober ${pid} ${logText(why)}: ${then}` };
}

/**
 * A line the prober wrote on its own: a warning about itself ("workers die as they start: a child per
 * probe from now on", probing slower for good) or a complaint about a request it could not read.
 */
export function proberSaid(pid: number, text: string): LogLine {
  return { severity: 'warning', text: `Prober ${pid}: ${logText(text)}` };
}

/** The prober binary is from another release (its banner names another protocol): it is not used. */
export function proberMismatch(binary: string, version: number, expected: number, fallback: boolean): LogLine {
  const then = fallback ? 'probing with a Node child per probe instead (slower)' : 'no mount can be probed';
  return {
    severity: 'err',
    text: `Prober ${logText(binary)} speaks protocol version ${version}, not ${expected} (a binary of another release): not used, ${then}; reinstall mount-status-monitor`,
  };
}

// ---- the mount table ------------------------------------------------------------------------------

/** A mount-table line that does not parse is skipped; the rest of the sweep goes on. */
export function mountTableLine(table: string, lineNumber: number, reason: string, text: string): LogLine {
  return { severity: 'warning', text: `Skipped line ${lineNumber} of ${logText(table)}: ${logText(reason)}: ${logText(text)}` };
}

/** The only failure that fails a whole sweep: with the errno's words when there is one, else the reason. */
export function mountTableUnreadable(table: string | undefined, errno: string | undefined, reason: string): LogLine {
  const which = table === undefined ? 'the mount table' : `the mount table ${logText(table)}`;
  return { severity: 'err', text: `Couldn't read ${which}: ${errnoReason(errno, reason)}; skipping this sweep` };
}

// ---- the daemon ---------------------------------------------------------------------------------------

/** Started without root: probes run as this uid and see only what it may see. */
export function nonRoot(uid: number): LogLine {
  return {
    severity: 'notice',
    text: `Running as uid ${uid}: probes cannot switch to each mountpoint's owner, so mounts this user cannot list are reported as denied`,
  };
}

/** `mountstatus daemon` starts: as whom, the schedule, and the config file it read. */
export function starting(uid: number, schedule: Schedule, configPath?: string): LogLine {
  const as = uid === 0 ? 'as root' : `as uid ${uid}`;
  const from = configPath === undefined ? '' : `, settings from ${logText(configPath)}`;
  return { severity: 'notice', text: `Starting ${as}: ${scheduleText(schedule)}${from}` };
}

/** SIGHUP with a good config: what is in force now. */
export function reloaded(configPath: string, schedule: Schedule): LogLine {
  return { severity: 'notice', text: `Reloaded ${logText(configPath)}: ${scheduleText(schedule)}` };
}

/** SIGHUP when no config file was read at start: nothing to reread. */
export function reloadWithoutConfig(): LogLine {
  return { severity: 'notice', text: 'SIGHUP: no config file in use; settings unchanged' };
}

/** SIGHUP with a config that does not read, parse or validate: nothing changes. `reason` names file and line. */
export function configKept(reason: string): LogLine {
  return { severity: 'warning', text: `Kept the previous settings: ${logText(reason)}` };
}

/** SIGTERM or SIGINT: probes are killed and reaped, the socket removed, the log flushed. */
export function stopping(): LogLine {
  return { severity: 'notice', text: 'Stopping' };
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
      `Running in mount namespace ${logText(own)}, not init's ${logText(init)}: the mounts checked here are a copy, ` +
      `not the host's; run the service without ProtectSystem=, PrivateTmp=, ProtectHome= or other options that give it its own mount namespace`,
  };
}

/** /dev/kmsg cannot be opened (EPERM without root, ENOENT in a container): `reason` is the errno name or message. */
export function kmsgUnavailable(reason: string): LogLine {
  return {
    severity: 'notice',
    text: `Not following kernel messages (/dev/kmsg: ${logText(reason)}): servers not responding are noticed at the next sweep`,
  };
}

/** Reading /dev/kmsg failed unexpectedly after it was open: the follower stopped. */
export function kmsgStopped(reason: string): LogLine {
  return {
    severity: 'warning',
    text: `Stopped following kernel messages (/dev/kmsg: ${logText(reason)}): servers not responding are noticed at the next sweep`,
  };
}

// ---- the socket ---------------------------------------------------------------------------------------

/** The IPC socket cannot be served (another helper runs, an unsafe directory): the daemon exits with 2. */
export function cannotServe(socketPath: string, reason: string): LogLine {
  return { severity: 'warning', text: `Cannot serve ${logText(socketPath)}: ${logText(reason)}` };
}

/** A socket file left by a helper that is gone was replaced. */
export function staleSocketRemoved(socketPath: string): LogLine {
  return { severity: 'info', text: `Removed the stale helper socket ${logText(socketPath)}` };
}

/** A client as the log names it: its number, the uid and pid the kernel gave its connection, its hello name. */
export interface LoggedClient {
  id: number;
  name: string;
  peer: { uid: number; pid: number };
}

function client(c: LoggedClient): string {
  const name = c.name === '' ? '' : `, ${logText(c.name)}`;
  return `IPC client ${c.id} of uid ${c.peer.uid} (pid ${c.peer.pid}${name})`;
}

/** A client that sent garbage, flooded, stalled or idled, disconnected. */
export function droppedClient(c: LoggedClient, reason: string): LogLine {
  return { severity: 'warning', text: `Dropped ${client(c)}: ${logText(reason)}` };
}

/** A client of another protocol version, told so and disconnected (an app and helper of different releases). */
export function refusedVersion(c: LoggedClient, theirs: number, ours: number): LogLine {
  return { severity: 'info', text: `Refused ${client(c)}: it speaks protocol v${theirs}, this helper v${ours}` };
}

/** Whose IPC clients: "of uid 1001"; "of several users" when too many uids are refused at once to list. */
export type RefusedWho = number | 'several' | undefined;

function ofWho(who: RefusedWho): string {
  if (who === undefined) return '';
  return who === 'several' ? ' of several users' : ` of uid ${who}`;
}

/** The first IPC client refused after a quiet spell: logged at once, the rest summarised by refusedClients. */
export function refusedClient(who: RefusedWho, reason: string): LogLine {
  return { severity: 'warning', text: `Refused IPC client${ofWho(who)}: ${logText(reason)}` };
}

/** `Refused 19,000 IPC clients of uid 1001 in the last 5 seconds: too many clients (limit 8)`. */
export function refusedClients(total: number, who: RefusedWho, seconds: number, reason: string): LogLine {
  return {
    severity: 'warning',
    text: `Refused ${thousands(total)} IPC client${total === 1 ? '' : 's'}${ofWho(who)} in the last ${formatDuration(seconds)}: ${logText(reason)}`,
  };
}

/** The listening socket reported an error (the server goes on with the clients it has). */
export function helperSocketError(reason: string): LogLine {
  return { severity: 'warning', text: `Helper socket error: ${logText(reason)}` };
}

/** A monitor event could not be encoded for clients (they miss it; their next snapshot has it). */
export function eventNotSent(reason: string): LogLine {
  return { severity: 'warning', text: `Could not send a monitor event to clients: ${logText(reason)}` };
}

// ---- the log itself -----------------------------------------------------------------------------------

/** Written once syslog accepts messages again after our bounded queue overflowed (stalled daemon). */
export function syslogDropped(dropped: number): LogLine {
  return { severity: 'warning', text: `Dropped ${count(dropped, 'log message')} while syslog was not accepting them` };
}

/** Written once syslog is reachable again after logger(1) could not connect to it, or on standard error at exit. */
export function syslogUnavailable(missed: number, reason: string): LogLine {
  return {
    severity: 'warning',
    text: `Syslog was unavailable (${logText(reason)}): ${count(missed, 'log message')} went to standard error only`,
  };
}

/** Standard error only: syslog cannot be reached (said once per outage). */
export function syslogUnreachable(reason: string): LogLine {
  return { severity: 'warning', text: `Syslog unavailable: ${logText(reason)}; writing log lines to standard error, retrying` };
}

/** Standard error only: the logger(1) child that writes to syslog exited; a new one starts after a backoff. */
export function syslogWriterRestarting(reason: string, delayMs: number): LogLine {
  return { severity: 'warning', text: `Syslog writer (logger) stopped: ${logText(reason)}; restarting it in ${delayMs} ms` };
}

/** Standard error only: syslog takes lines again after an outage. */
export function syslogReachable(socket: string): LogLine {
  return { severity: 'notice', text: `Syslog reachable again at ${logText(socket)}` };
}

// ---- metrics ------------------------------------------------------------------------------------------

/** The Prometheus endpoint is listening (metrics-listen); the URL has the port actually bound. */
export function metricsServing(url: string): LogLine {
  return { severity: 'notice', text: `Serving Prometheus metrics at ${logText(url)}` };
}

/** metrics-listen could not be bound (port in use, address not on this host yet): monitoring goes on. */
export function metricsListenFailed(address: string, errno: string | undefined, message: string, retrySeconds: number): LogLine {
  return {
    severity: 'warning',
    text: `Cannot serve metrics on ${logText(address)}: ${errnoReason(errno, message)}; monitoring goes on, trying again every ${formatDuration(retrySeconds)}`,
  };
}

/** metrics-textfile is in use. */
export function metricsTextfile(path: string): LogLine {
  return { severity: 'notice', text: `Writing Prometheus metrics to ${logText(path)} after each change` };
}

/** A metrics-textfile write failed (logged once until a write works again). */
export function metricsTextfileFailed(path: string, errno: string | undefined, message: string): LogLine {
  return {
    severity: 'warning',
    text: `Cannot write metrics to ${logText(path)}: ${errnoReason(errno, message)}; monitoring goes on, trying again at the next change`,
  };
}

export function metricsTextfileRecovered(path: string): LogLine {
  return { severity: 'notice', text: `Writing metrics to ${logText(path)} again` };
}

// ---- recovery -----------------------------------------------------------------------------------------

/** Who or what an unmount was for: a client (by the uid the kernel gave its connection) or a `recover` rule. */
export type UnmountCause = { uid: number } | { notRespondingSeconds: number };

/**
 * A dead mount unmounted to free the programs stuck on it: `Force-unmounted /mnt/x (server
 * nfs1) after 5 minutes not responding: 3 blocked processes released`. "Lazily unmounted" when it was
 * still busy and only detached (MNT_DETACH). `stay`: those of the blocked that still wait in the kernel.
 */
export function unmounted(
  mountpoint: string,
  server: string | undefined,
  outcome: 'unmounted' | 'detached',
  mountsUnder: number,
  cause: UnmountCause,
  released: number,
  stay: readonly { comm: string; pid: number }[] = [],
): LogLine {
  const under = mountsUnder > 0 ? ` and ${count(mountsUnder, 'mount')} under it` : '';
  const by = server === undefined ? '' : ` (server ${logText(server)})`;
  const why = 'uid' in cause ? ` as asked by uid ${cause.uid}` : ` after ${formatDuration(cause.notRespondingSeconds)} not responding`;
  const freed = released > 0 ? `${count(released, 'blocked process', 'blocked processes')} released` : '';
  const waiting = stay.length > 0 ? `${count(stay.length, 'process', 'processes')} still blocked: ${stay.map((p) => `${logText(p.comm)}[${p.pid}]`).join(', ')}` : '';
  const after = [freed, waiting].filter(Boolean).join('; ');
  return {
    severity: 'warning',
    text: `${outcome === 'detached' ? 'Lazily unmounted' : 'Force-unmounted'} ${logText(mountpoint)}${under}${by}${why}${after ? `: ${after}` : ''}`,
  };
}

/** An unmount request the helper would not carry out (who asked, or what was asked for). */
export function unmountRefused(mountpoint: string, uid: number, reason: string): LogLine {
  return { severity: 'warning', text: `Refused to unmount ${logText(mountpoint)} for uid ${uid}: ${logText(reason)}` };
}

/** An unmount that was tried and left the mount in place (busy, timed out, the path changed). */
export function unmountFailed(mountpoint: string, reason: string): LogLine {
  return { severity: 'err', text: `Couldn't unmount ${logText(mountpoint)}: ${logText(reason)}` };
}

/** Before unmounting an automounted filesystem: its daemon may expire it itself (SIGUSR1, automount(8)). */
export function automountExpireAsked(mountpoint: string, daemonPid: number): LogLine {
  return { severity: 'notice', text: `Asked the automount daemon (pid ${daemonPid}) to expire unused mounts before unmounting ${logText(mountpoint)}` };
}

/** A `recover` rule is due but the policy's rate limit holds it back (said once per mount). */
export function recoverPostponed(mountpoint: string, limit: number, windowSeconds: number): LogLine {
  return {
    severity: 'warning',
    text: `Not unmounting ${logText(mountpoint)} yet: the recover policy's limit of ${count(limit, 'unmount')} in ${formatDuration(windowSeconds)} is reached`,
  };
}

/**
 * An NFS mount disconnected from its dead server (its client shut down through
 * /sys/fs/nfs/MAJOR:MINOR/shutdown): `Disconnected /home (server nfs1): 7 programs released`. `stay`: the
 * programs still blocked after it (a v3 lock waiter); `sharing`: the other mountpoints of the same
 * superblock, disconnected with it.
 */
export function disconnected(
  mountpoint: string,
  server: string | undefined,
  released: number,
  stay: readonly { pid: number; comm: string }[],
  sharing: readonly string[],
  cause: UnmountCause,
): LogLine {
  const by = server === undefined ? '' : ` (server ${logText(server)})`;
  const still = stay.length > 0 ? `, ${stay.length} still blocked: ${stay.map((p) => `${logText(p.comm)}[${p.pid}]`).join(', ')}` : '';
  const also = sharing.length > 0 ? `; with it ${sharing.map(logText).join(', ')} (the same superblock)` : '';
  const why = 'uid' in cause ? `; asked by uid ${cause.uid}` : `; after ${formatDuration(cause.notRespondingSeconds)} not responding`;
  return { severity: 'warning', text: `Disconnected ${logText(mountpoint)}${by}: ${count(released, 'program')} released${still}${also}${why}` };
}

/** A disconnect request the helper would not carry out (who asked, or what was asked for). */
export function disconnectRefused(mountpoint: string, uid: number, reason: string): LogLine {
  return { severity: 'warning', text: `Refused to disconnect ${logText(mountpoint)} for uid ${uid}: ${logText(reason)}` };
}

/** A disconnect that was tried and did not free the mount's programs (no knob on this kernel, the knob refused). */
export function disconnectFailed(mountpoint: string, reason: string): LogLine {
  return { severity: 'err', text: `Couldn't disconnect ${logText(mountpoint)}: ${logText(reason)}` };
}

/** The server of a disconnected mount answers again; the mount does not come back by itself (once per return). */
export function disconnectedServerBack(mountpoint: string, server: string): LogLine {
  return {
    severity: 'notice',
    text: `Server ${logText(server)} answers again, but ${logText(mountpoint)} stays disconnected (a shutdown has no undo): unmount it and mount it again`,
  };
}
