import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseConfig } from '../../../src/helper/config/config-file.js';
import { DEFAULT_SETTINGS } from '../../../src/node/config/settings.js';

test('the shipped sample config parses to the defaults', () => {
  const text = readFileSync(new URL('../../../../build/service/mount-status-monitor.conf', import.meta.url), 'utf8');
  assert.deepEqual(parseConfig(text, 'sample', DEFAULT_SETTINGS), DEFAULT_SETTINGS);
});

test('every option, repeated include/exclude, comments', () => {
  const s = parseConfig(
    'interval = 30 # half a minute\ntimeout=2.5\nwatch-interval = 2\nslow-after = 1\nwatch = /srv/**\nwatch = fstype:fuse.sshfs\n' +
      'include = /home/**\ninclude = fstype:nfs*\nexclude = /scratch\nsyslog-socket =\nsocket = /run/x.sock\n',
    'f',
    DEFAULT_SETTINGS,
  );
  assert.deepEqual(s, {
    intervalSeconds: 30,
    timeoutSeconds: 2.5,
    watchIntervalSeconds: 2,
    slowAfterSeconds: 1,
    watch: ['/srv/**', 'fstype:fuse.sshfs'],
    include: ['/home/**', 'fstype:nfs*'],
    exclude: ['/scratch'],
    syslogSocket: '',
    socketPath: '/run/x.sock',
    recover: [],
  });
});

test('admin-group and recover rules (repeatable), validated where they are read', () => {
  const s = parseConfig('admin-group = storage-admins\nrecover = fstype:fuse.sshfs after 5m force\nrecover = /mnt/scratch/** after 90s lazy\n', 'f', DEFAULT_SETTINGS);
  assert.equal(s.adminGroup, 'storage-admins');
  assert.deepEqual(s.recover, ['fstype:fuse.sshfs after 5m force', '/mnt/scratch/** after 90s lazy']);
  assert.equal(DEFAULT_SETTINGS.adminGroup, undefined, 'root only by default');
  assert.deepEqual(DEFAULT_SETTINGS.recover, [], 'no recovery by default');
  assert.throws(() => parseConfig('\nrecover = /mnt/x after 5m gently\n', '/etc/m.conf', DEFAULT_SETTINGS), /^SettingsError: \/etc\/m\.conf:2: recover: "gently" must be force, lazy or shutdown$/);
  assert.throws(() => parseConfig('admin-group = -rf\n', 'f', DEFAULT_SETTINGS), /f:1: admin-group needs a group name, got "-rf"/);
});

test('errors name the file and line, and say what was expected', () => {
  assert.throws(() => parseConfig('interval = 60\ntimeout = soon\n', '/etc/m.conf', DEFAULT_SETTINGS), /\/etc\/m\.conf:2: timeout: expected a number of seconds/);
  assert.throws(() => parseConfig('intervall = 60\n', 'c', DEFAULT_SETTINGS), /c:1: unknown setting "intervall" \(known: interval/);
  assert.throws(() => parseConfig('just words\n', 'c', DEFAULT_SETTINGS), /c:1: expected "key = value"/);
  assert.throws(() => parseConfig('timeout = -1\n', 'c', DEFAULT_SETTINGS), /c:1/);
  // Absurd timings and non-decimal numbers are refused with the line and the bounds.
  assert.throws(
    () => parseConfig('interval = 0.001\ntimeout = 0.0001\n', '/etc/m.conf', DEFAULT_SETTINGS),
    /^SettingsError: \/etc\/m\.conf:1: interval: expected a number of seconds from 0\.5 to 86400 \(decimal\), got "0\.001"$/,
  );
  assert.throws(() => parseConfig('interval = 60\ntimeout = 0.0001\n', 'c', DEFAULT_SETTINGS), /^SettingsError: c:2: timeout: expected a number of seconds from 0\.5/);
  assert.throws(() => parseConfig('timeout = 0x10\n', 'c', DEFAULT_SETTINGS), /c:1: timeout: .* got "0x10"/);
  assert.throws(() => parseConfig('timeout = 1e1\n', 'c', DEFAULT_SETTINGS), /c:1: timeout: .* got "1e1"/);
  assert.equal(parseConfig('timeout = 0.5\n', 'c', DEFAULT_SETTINGS).timeoutSeconds, 0.5);
  assert.throws(() => parseConfig('include =\n', 'c', DEFAULT_SETTINGS), /include needs a glob/);
});

test('CRLF line endings (a file edited on Windows): comment lines and trailing comments are still comments', () => {
  const sample = readFileSync(new URL('../../../../build/service/mount-status-monitor.conf', import.meta.url), 'utf8');
  assert.deepEqual(parseConfig(sample.replace(/\n/g, '\r\n'), 'sample', DEFAULT_SETTINGS), DEFAULT_SETTINGS);
  const s = parseConfig('# header\r\ninterval = 30 # half a minute\r\ninclude = /mnt/a b # spaces kept\r\n', 'f', DEFAULT_SETTINGS);
  assert.equal(s.intervalSeconds, 30);
  assert.deepEqual(s.include, ['/mnt/a b']);
  assert.throws(() => parseConfig('interval = 60\r\ntimeout = soon\r\n', 'c', DEFAULT_SETTINGS), /c:2: timeout: expected a number of seconds/);
});

test('a UTF-8 byte order mark before the first key or comment is ignored; "#" inside a value is kept', () => {
  assert.equal(parseConfig('\uFEFFtimeout = 3\n', 'f', DEFAULT_SETTINGS).timeoutSeconds, 3);
  assert.equal(parseConfig('\uFEFF# comment\ntimeout = 4\n', 'f', DEFAULT_SETTINGS).timeoutSeconds, 4);
  assert.deepEqual(parseConfig('include = /srv/#build/*\n', 'f', DEFAULT_SETTINGS).include, ['/srv/#build/*']);
});

test('disconnect-own-home is yes or no, absent (no) by default; a recover rule may shut an NFS mount down', () => {
  assert.equal(DEFAULT_SETTINGS.disconnectOwnHome, undefined);
  assert.equal(parseConfig('disconnect-own-home = yes\n', 'f', DEFAULT_SETTINGS).disconnectOwnHome, true);
  assert.equal(parseConfig('disconnect-own-home = no\n', 'f', DEFAULT_SETTINGS).disconnectOwnHome, false);
  assert.throws(() => parseConfig('disconnect-own-home = 1\n', 'f', DEFAULT_SETTINGS), /^SettingsError: f:1: disconnect-own-home is yes or no, got "1"$/);
  assert.deepEqual(parseConfig('recover = fstype:nfs4 after 2m shutdown\n', 'f', DEFAULT_SETTINGS).recover, ['fstype:nfs4 after 2m shutdown']);
});
