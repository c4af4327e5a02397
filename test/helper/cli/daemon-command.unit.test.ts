// The daemon's own notices (the sweeps' lines are tested in test/helper/log/lines.unit.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DAEMON_OPTIONS, DAEMON_USAGE, scheduleText } from '../../../src/helper/cli/daemon-command.js';

test('start and reload notices: singular for one second, as every other log line', () => {
  assert.equal(
    scheduleText({ intervalSeconds: 1, timeoutSeconds: 1, watchIntervalSeconds: 1, slowAfterSeconds: 1 }),
    'checking mounts every 1 second (watched ones every 1 second), slow after 1 second, timeout 1 second',
  );
  assert.equal(
    scheduleText({ intervalSeconds: 60, timeoutSeconds: 10, watchIntervalSeconds: 1, slowAfterSeconds: 1.5 }),
    'checking mounts every 60 seconds (watched ones every 1 second), slow after 1.5 seconds, timeout 10 seconds',
  );
  assert.equal(
    scheduleText({ intervalSeconds: 0.5, timeoutSeconds: 2, watchIntervalSeconds: 2, slowAfterSeconds: 2 }),
    'checking mounts every 0.5 seconds (watched ones every 2 seconds), slow after 2 seconds, timeout 2 seconds',
  );
});

test('--help describes every option daemon accepts, each on its own line', () => {
  for (const name of DAEMON_OPTIONS) {
    if (name === 'help') continue;
    assert.match(DAEMON_USAGE, new RegExp(`\\n  --${name}\\b`), `--${name} is accepted but not described`);
  }
});
