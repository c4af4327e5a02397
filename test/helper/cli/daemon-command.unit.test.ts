// The daemon's usage text (its log lines are tested in test/helper/log/lines.unit.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DAEMON_OPTIONS, DAEMON_USAGE } from '../../../src/helper/cli/daemon-command.js';

test('--help describes every option daemon accepts, each on its own line', () => {
  for (const name of DAEMON_OPTIONS) {
    if (name === 'help') continue;
    assert.match(DAEMON_USAGE, new RegExp(`\\n  --${name}\\b`), `--${name} is accepted but not described`);
  }
});
