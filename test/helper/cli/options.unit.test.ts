// Command-line edge cases of `check` and `daemon`, through the real parser (no process needed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyCommandLine, parseCommand, UsageError } from '../../../src/helper/cli/options.js';
import { DEFAULT_SETTINGS } from '../../../src/node/config/settings.js';

const settingsOf = (argv: string[]) => applyCommandLine(DEFAULT_SETTINGS, parseCommand(argv, ['json', 'timeout', 'interval', 'include', 'exclude', 'config', 'socket', 'syslog-socket', 'no-syslog']));

test('--include and --exclude repeat, in order, added to the config file lists', () => {
  const s = settingsOf(['--include', '/a/*', '--include=fstype:nfs*', '--exclude', '/b']);
  assert.deepEqual(s.include, ['/a/*', 'fstype:nfs*']);
  assert.deepEqual(s.exclude, ['/b']);
});

test('an empty --include or --exclude is a usage error, not a silent "check nothing, all well"', () => {
  // `mountstatus check --include "$MOUNTS"` with MOUNTS unset must not report 0 mounts and exit 0.
  assert.throws(() => settingsOf(['--include', '']), (e: Error) => e instanceof UsageError && /--include needs a glob/.test(e.message));
  assert.throws(() => settingsOf(['--exclude=']), (e: Error) => e instanceof UsageError && /--exclude needs a glob/.test(e.message));
  assert.throws(() => settingsOf(['--include', '/a', '--include', ' ']), UsageError);
});

test('--timeout and --interval must be positive numbers of seconds', () => {
  for (const bad of ['0', '', '-1', 'ten', 'Infinity', '1e9']) {
    assert.throws(() => settingsOf([`--timeout=${bad}`]), UsageError, `--timeout=${bad}`);
    assert.throws(() => settingsOf([`--interval=${bad}`]), UsageError, `--interval=${bad}`);
  }
  assert.throws(() => settingsOf(['--timeout', '-1']), UsageError, 'a dash value is ambiguous, not a negative number');
  assert.equal(settingsOf(['--timeout', '0.5']).timeoutSeconds, 0.5);
});

test('"" turns syslog and the socket off, as documented', () => {
  const s = settingsOf(['--syslog-socket', '', '--socket', '']);
  assert.equal(s.syslogSocket, '');
  assert.equal(s.socketPath, '');
});
