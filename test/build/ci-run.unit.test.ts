// CI runs README's test command, exactly: .ci/run's command line is the one README prints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readmeCommand } from '../support/readme-commands.js';
import { ROOT } from './build-tools.js';

test(".ci/run runs README's test command as printed", () => {
  const ci = readFileSync(join(ROOT, '.ci/run'), 'utf8').trimEnd().split('\n');
  assert.equal(ci.at(-1), readmeCommand('Install the test prerequisites and run every test'));
});

test('a README without the block says which one is missing', () => {
  assert.throws(() => readmeCommand('Install and start', '# no commands here\n'), /no \*\*Install and start\*\*/);
  assert.throws(() => readmeCommand('Install and start', '**Install and start**\n\n```sh\na\nb\n```\n'), /no one-line sh block/);
});
