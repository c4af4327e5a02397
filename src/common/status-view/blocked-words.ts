// Who is waiting on a mount, in words, from MountStatus.blocked: "firefox and 2 other programs
// are waiting on it". Programs are told apart by their name (/proc/PID/comm), so firefox's many
// processes count once; processes the monitor only counted (another user's, for a non-root client) are
// each one more program, since nothing says they are not.
import type { BlockedProcess, BlockedProcesses } from '../mount.js';

/** The distinct program names, in the order the monitor listed their processes. */
export function blockedPrograms(blocked: BlockedProcesses | undefined): string[] {
  return [...new Set((blocked?.processes ?? []).map((p) => p.comm))];
}

/**
 * "firefox is waiting on it", "firefox and 2 other programs are waiting on it", "3 programs are waiting on
 * it"; "" when nobody is. `max` names are given before the rest are counted. When the scan could not
 * examine every process, that is said too: "firefox is waiting on it; 25 more processes were not examined".
 */
export function blockedInWords(blocked: BlockedProcesses | undefined, max = 1): string {
  const waiting = waitingInWords(blocked, max);
  const unexamined = blocked?.unexamined ?? 0;
  if (unexamined <= 0) return waiting;
  const more = unexaminedInWords(unexamined, waiting !== '');
  return waiting === '' ? more : `${waiting}; ${more}`;
}

/** "25 more processes were not examined" ("more" only after a list of those that were found). */
export function unexaminedInWords(unexamined: number, more: boolean): string {
  return `${unexamined}${more ? ' more' : ''} process${unexamined === 1 ? ' was' : 'es were'} not examined`;
}

function waitingInWords(blocked: BlockedProcesses | undefined, max: number): string {
  if (!blocked || blocked.count <= 0) return '';
  const names = blockedPrograms(blocked);
  const unnamed = Math.max(0, blocked.count - blocked.processes.length);
  const shown = names.slice(0, max);
  const others = names.length - shown.length + unnamed;
  if (shown.length === 0) return `${others} program${others === 1 ? ' is' : 's are'} waiting on it`;
  const named = shown.length === 1 ? shown[0]! : `${shown.slice(0, -1).join(', ')} and ${shown.at(-1)!}`;
  if (others === 0) return `${named} ${shown.length === 1 ? 'is' : 'are'} waiting on it`;
  return `${shown.join(', ')} and ${others} other program${others === 1 ? '' : 's'} are waiting on it`;
}

/** "firefox (pid 1234)", for the status window's list of waiting processes. */
export function blockedProcessLabel(p: BlockedProcess): string {
  return `${p.comm} (pid ${p.pid})`;
}
