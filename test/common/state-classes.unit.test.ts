// The state vocabulary's classes nest the way their words promise, for every state, so a new state's row
// that breaks the nesting fails here rather than in one of the places that ask.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MOUNT_STATES } from '../../src/common/mount.js';
import { PROBLEMS_WORST_FIRST, isAnswered, isDead, isDown, isFailing, isKilled, isProblem, isUnanswered, isUnprobed, isUnusable, isWell } from '../../src/common/state-classes.js';

test('every state is well, a problem or not known yet, exactly one of them', () => {
  for (const s of MOUNT_STATES) assert.equal([isWell(s), isProblem(s), s === 'unknown'].filter(Boolean).length, 1, s);
});

test('killed is unanswered, unanswered and dead are failing, failing is down and unusable, all of them problems', () => {
  for (const s of MOUNT_STATES) {
    if (isKilled(s)) assert.ok(isUnanswered(s) && isDead(s), s);
    if (isUnanswered(s) || isDead(s)) assert.ok(isFailing(s), s);
    if (isFailing(s)) assert.ok(isDown(s) && isUnusable(s), s);
    if (isDown(s) || isUnusable(s)) assert.ok(isProblem(s), s);
    if (isUnprobed(s)) assert.ok(!isFailing(s), s);
    // The metrics' responsive 1 and 0 never overlap: a mount answered or it is unusable, or neither.
    assert.ok(!(isAnswered(s) && isUnusable(s)), s);
  }
});

test('the classes hold the states the logs and exit statuses are defined by', () => {
  const members = (is: (s: (typeof MOUNT_STATES)[number]) => boolean) => MOUNT_STATES.filter(is);
  // `Checked N mounts in S seconds: D dead` counts these (a syslog contract).
  assert.deepEqual(members(isDead), ['hung', 'error', 'stuck']);
  assert.deepEqual(members(isWell), ['ok', 'covered', 'idle']);
  assert.deepEqual(members(isUnanswered), ['slow', 'hung', 'stuck']);
  assert.deepEqual(members(isFailing), ['slow', 'hung', 'error', 'stuck']);
  assert.deepEqual(members(isUnusable), ['slow', 'hung', 'error', 'stuck', 'disconnected']);
  // `mountstatus_mount_responsive` 1.
  assert.deepEqual(members(isAnswered), ['ok', 'denied']);
});

test('the problems worst first: every problem state once, the killed ones before the merely slow', () => {
  assert.deepEqual(PROBLEMS_WORST_FIRST, ['hung', 'stuck', 'slow', 'error', 'disconnected', 'denied']);
  assert.deepEqual([...PROBLEMS_WORST_FIRST].sort(), MOUNT_STATES.filter(isProblem).sort());
});
