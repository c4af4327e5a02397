import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseConfig } from '../../../src/helper/config/config-file.js';
import { DEFAULT_SETTINGS } from '../../../src/helper/config/settings.js';

test('the shipped sample config parses to the defaults', () => {
  const text = readFileSync(new URL('../../../../build/service/mount-status-monitor.conf', import.meta.url), 'utf8');
  assert.deepEqual(parseConfig(text, 'sample', DEFAULT_SETTINGS), DEFAULT_SETTINGS);
});

test('every option, repeated include/exclude, comments', () => {
  const s = parseConfig(
    'interval = 30 # half a minute\ntimeout=2.5\ninclude = /home/**\ninclude = fstype:nfs*\nexclude = /scratch\nsyslog-socket =\nsocket = /run/x.sock\n',
    'f',
    DEFAULT_SETTINGS,
  );
  assert.deepEqual(s, {
    intervalSeconds: 30,
    timeoutSeconds: 2.5,
    include: ['/home/**', 'fstype:nfs*'],
    exclude: ['/scratch'],
    syslogSocket: '',
    socketPath: '/run/x.sock',
  });
});

test('errors name the file and line, and say what was expected', () => {
  assert.throws(() => parseConfig('interval = 60\ntimeout = soon\n', '/etc/m.conf', DEFAULT_SETTINGS), /\/etc\/m\.conf:2: expected a number of seconds/);
  assert.throws(() => parseConfig('intervall = 60\n', 'c', DEFAULT_SETTINGS), /c:1: unknown setting "intervall" \(known: interval/);
  assert.throws(() => parseConfig('just words\n', 'c', DEFAULT_SETTINGS), /c:1: expected "key = value"/);
  assert.throws(() => parseConfig('timeout = -1\n', 'c', DEFAULT_SETTINGS), /c:1/);
  assert.throws(() => parseConfig('include =\n', 'c', DEFAULT_SETTINGS), /include needs a glob/);
});
