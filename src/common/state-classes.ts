// The one vocabulary of mount states: the classes a state falls into, each with one word, used by every
// layer instead of lists of states. A new state is one row of CLASSES_OF (the type checker asks for it).
// An NFS mount's `degrading` (its server far slower than usual) is a condition beside the state, not a
// state: a degrading mount is `ok` while its probes answer (src/common/nfs-degrading.ts).
import { MOUNT_STATES, type MountState } from './mount.js';

/**
 * The classes, and the word code, logs and docs use for each:
 * - well: nothing is wrong; `mountstatus check` exits 0 only when every mount is.
 * - problem: the user should look at it (every state but the well ones and unknown).
 * - unanswered: "not answering": a probe is out without an answer, not yet (slow) or never (hung, stuck).
 * - killed: the unanswered probe was sent SIGKILL at the timeout (hung), or has not exited since (stuck).
 * - failing: unanswered or answering with an error: an episode of the slow and blocked lines, and a mount
 *   recovery (unmount, disconnect) is for without --yes.
 * - dead: counted in the summary line `Checked N mounts in S seconds: D dead` (a syslog contract).
 * - down: failing or denied; "down since" runs from the first such state until the mount is ok again.
 * - unusable: programs using it wait or get errors (failing or disconnected): the home mount warns from here.
 * - answered: a probe answered, well or not (ok, denied): `mountstatus_mount_responsive` 1; the
 *   unusable states are its 0, and the rest carry no answer at all.
 * - unprobed: covered, idle or not checked yet: no probe stands behind the state, so the latency
 *   history leaves it out (a disconnected mount is not probed either, but its point marks the shutdown).
 */
type StateClass = 'well' | 'answered' | 'problem' | 'unanswered' | 'killed' | 'failing' | 'dead' | 'down' | 'unusable' | 'unprobed';

const CLASSES_OF: Record<MountState, readonly StateClass[]> = {
  ok: ['well', 'answered'],
  slow: ['problem', 'unanswered', 'failing', 'down', 'unusable'],
  hung: ['problem', 'unanswered', 'killed', 'failing', 'dead', 'down', 'unusable'],
  error: ['problem', 'failing', 'dead', 'down', 'unusable'],
  denied: ['problem', 'answered', 'down'],
  stuck: ['problem', 'unanswered', 'killed', 'failing', 'dead', 'down', 'unusable'],
  covered: ['well', 'unprobed'],
  idle: ['well', 'unprobed'],
  disconnected: ['problem', 'unusable'],
  unknown: ['unprobed'],
};

function is(state: MountState, c: StateClass): boolean {
  return CLASSES_OF[state].includes(c);
}

export function isWell(state: MountState): boolean {
  return is(state, 'well');
}

export function isAnswered(state: MountState): boolean {
  return is(state, 'answered');
}

export function isProblem(state: MountState): boolean {
  return is(state, 'problem');
}

export function isUnanswered(state: MountState): boolean {
  return is(state, 'unanswered');
}

export function isKilled(state: MountState): boolean {
  return is(state, 'killed');
}

export function isFailing(state: MountState): boolean {
  return is(state, 'failing');
}

export function isDead(state: MountState): boolean {
  return is(state, 'dead');
}

export function isDown(state: MountState): boolean {
  return is(state, 'down');
}

export function isUnusable(state: MountState): boolean {
  return is(state, 'unusable');
}

export function isUnprobed(state: MountState): boolean {
  return is(state, 'unprobed');
}

/** Lower is worse: the order the status window lists rows and groups in, and the tray its problems. */
const SEVERITY: Record<MountState, number> = {
  hung: 0,
  stuck: 1,
  slow: 2,
  error: 3,
  disconnected: 4,
  denied: 5,
  unknown: 6,
  ok: 7,
  idle: 8,
  covered: 9,
};

export function severity(state: MountState): number {
  return SEVERITY[state];
}

/** The problem states, worst first. */
export const PROBLEMS_WORST_FIRST: readonly MountState[] = MOUNT_STATES.filter(isProblem).sort((a, b) => severity(a) - severity(b));
