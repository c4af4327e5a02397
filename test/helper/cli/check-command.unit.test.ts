// `mountstatus check --help` against what the command accepts (the sweep itself: check.integration.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CHECK_OPTIONS, CHECK_USAGE } from '../../../src/helper/cli/check-command.js';

test('--help describes every option check accepts, each on its own line', () => {
  for (const name of CHECK_OPTIONS) {
    if (name === 'help') continue;
    assert.match(CHECK_USAGE, new RegExp(`\\n  --${name}\\b`), `--${name} is accepted but not described`);
  }
});
