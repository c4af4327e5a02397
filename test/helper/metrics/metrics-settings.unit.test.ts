// The metrics keys in the config file and on the command line: validated where they are read, so a bad
// value stops the start (or a reload) with the file and line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../../src/helper/config/config-file.js';
import { applyCommandLine, parseCommand, UsageError } from '../../../src/helper/cli/options.js';
import { DAEMON_OPTIONS, DAEMON_USAGE } from '../../../src/helper/cli/daemon-command.js';
import { DEFAULT_SETTINGS } from '../../../src/node/config/settings.js';
import { DEFAULT_METRICS_EXCLUDE } from '../../../src/helper/metrics/metrics-exclusion.js';

test('config file: the four keys; metrics-exclude lines replace the default list, "none" empties it', () => {
  const s = parseConfig(
    'metrics-listen = [::1]:9877\nmetrics-textfile = /var/lib/prometheus/node-exporter/mountstatus.prom\nmetrics-exclude = /scratch/**\nmetrics-exclude = fstype:squashfs\nmetrics-max-mounts = 200\n',
    'f',
    DEFAULT_SETTINGS,
  );
  assert.deepEqual(
    [s.metricsListen, s.metricsTextfile, s.metricsExclude, s.metricsMaxMounts],
    ['[::1]:9877', '/var/lib/prometheus/node-exporter/mountstatus.prom', ['/scratch/**', 'fstype:squashfs'], 200],
  );
  assert.deepEqual(parseConfig('metrics-exclude = none\n', 'f', DEFAULT_SETTINGS).metricsExclude, []);
  assert.equal(parseConfig('metrics-listen =\n', 'f', DEFAULT_SETTINGS).metricsListen, '', 'empty: off');
  assert.equal(parseConfig('metrics-textfile = /a.prom\nmetrics-textfile =\n', 'f', DEFAULT_SETTINGS).metricsTextfile, undefined);
  assert.equal(parseConfig('', 'f', DEFAULT_SETTINGS).metricsExclude, undefined, 'absent: the defaults apply');
});

test('config file: bad values name the file and line', () => {
  assert.throws(() => parseConfig('metrics-listen = localhost:9877\n', '/etc/m.conf', DEFAULT_SETTINGS), /^SettingsError: \/etc\/m\.conf:1: "localhost" is not a numeric IPv4 address/);
  assert.throws(() => parseConfig('\nmetrics-textfile = /tmp/m.txt\n', 'c', DEFAULT_SETTINGS), /c:2: expected an absolute path ending in \.prom/);
  assert.throws(() => parseConfig('metrics-max-mounts = lots\n', 'c', DEFAULT_SETTINGS), /c:1: expected a whole number of mounts/);
  assert.throws(() => parseConfig('metrics-exclude =\n', 'c', DEFAULT_SETTINGS), /c:1: metrics-exclude needs a glob/);
  assert.throws(() => parseConfig('metric-listen = 1\n', 'c', DEFAULT_SETTINGS), /unknown setting "metric-listen" \(known: .*metrics-listen, metrics-textfile, metrics-exclude, metrics-max-mounts[,)]/);
});

const daemonSettings = (argv: string[], base = DEFAULT_SETTINGS) => applyCommandLine(base, parseCommand(argv, DAEMON_OPTIONS));

test('command line: overrides the file; --metrics-exclude adds to the list in force', () => {
  const fromFile = parseConfig('metrics-listen = 127.0.0.1:1\nmetrics-exclude = /a\n', 'f', DEFAULT_SETTINGS);
  const s = daemonSettings(['--metrics-listen', '0.0.0.0:9877', '--metrics-exclude', '/b', '--metrics-max-mounts', '0', '--metrics-textfile', '/m.prom'], fromFile);
  assert.deepEqual([s.metricsListen, s.metricsExclude, s.metricsMaxMounts, s.metricsTextfile], ['0.0.0.0:9877', ['/a', '/b'], 0, '/m.prom']);
  assert.deepEqual(daemonSettings(['--metrics-exclude', '/b']).metricsExclude, [...DEFAULT_METRICS_EXCLUDE, '/b']);
  assert.deepEqual(daemonSettings(['--metrics-exclude', 'none']).metricsExclude, []);
  assert.equal(daemonSettings(['--metrics-textfile', ''], fromFile).metricsTextfile, undefined);
});

test('command line: bad values are usage errors', () => {
  for (const argv of [['--metrics-listen', ':9877'], ['--metrics-listen', 'example.org:80'], ['--metrics-textfile', 'rel.prom'], ['--metrics-max-mounts=-3'], ['--metrics-exclude', '']]) {
    assert.throws(() => daemonSettings(argv), (e: Error) => e instanceof UsageError && new RegExp(`^${argv[0]!.split('=')[0]}[: ]`).test(e.message), argv.join(' '));
  }
  for (const name of ['metrics-listen', 'metrics-textfile', 'metrics-exclude', 'metrics-max-mounts']) assert.match(DAEMON_USAGE, new RegExp(`\\n  --${name}\\b`));
});
