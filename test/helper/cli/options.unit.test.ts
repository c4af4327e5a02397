// Command-line edge cases of `check` and `daemon`, through the real parser (no process needed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyCommandLine, parseCommand, UsageError } from '../../../src/helper/cli/options.js';
import { DEFAULT_SETTINGS, parseSeconds, SECONDS_SETTINGS } from '../../../src/node/config/settings.js';

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

test('--timeout and --interval: decimal seconds within their bounds, with an error that says which', () => {
  // 0x10 (16 to Number()), exponents, signs, padding and absurdly small timings.
  for (const bad of ['0', '', '-1', 'ten', 'Infinity', '1e9', '0x10', '1e1', '+5', ' 5', '5 ', '0.001', '0.0001', '0.4', '86401', '.', '1.2.3']) {
    assert.throws(() => settingsOf([`--timeout=${bad}`]), UsageError, `--timeout=${bad}`);
    assert.throws(() => settingsOf([`--interval=${bad}`]), UsageError, `--interval=${bad}`);
  }
  assert.throws(() => settingsOf(['--timeout', '-1']), UsageError, 'a dash value is ambiguous, not a negative number');
  assert.throws(() => settingsOf(['--interval=0.001']), /^UsageError: --interval: expected a number of seconds from 0\.5 to 86400 \(decimal\), got "0\.001"$/);
  assert.throws(() => settingsOf(['--timeout=0x10']), /--timeout: expected a number of seconds from 0\.5 to 86400 \(decimal\), got "0x10"/);
  assert.equal(settingsOf(['--timeout', '0.5']).timeoutSeconds, 0.5);
  assert.equal(settingsOf(['--timeout', '.5']).timeoutSeconds, 0.5);
  assert.equal(settingsOf(['--interval', '10.']).intervalSeconds, 10);
  assert.equal(settingsOf(['--interval', '86400']).intervalSeconds, 86400);
  assert.equal(settingsOf(['--interval', '010']).intervalSeconds, 10, 'a leading zero is still decimal, not octal');
});

test('the bounds table covers the timings the home watch adds, each with a sane minimum', () => {
  for (const name of ['interval', 'timeout', 'watch-interval', 'slow-after'] as const) {
    assert.ok(SECONDS_SETTINGS[name].min >= 0.5, name);
    assert.throws(() => parseSeconds(name, '0.001', `--${name}`), new RegExp(`^SettingsError: --${name}: expected a number of seconds from `));
    assert.equal(parseSeconds(name, '2', `--${name}`), 2);
  }
});

test('"" turns syslog and the socket off, as documented', () => {
  const s = settingsOf(['--syslog-socket', '', '--socket', '']);
  assert.equal(s.syslogSocket, '');
  assert.equal(s.socketPath, '');
});
