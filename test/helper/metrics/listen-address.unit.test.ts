import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkMetricsListen, formatListenAddress, parseListenAddress } from '../../../src/helper/metrics/listen-address.js';
import { SettingsError } from '../../../src/node/config/settings.js';

test('numeric addresses with a port; a port alone is loopback', () => {
  assert.deepEqual(parseListenAddress('9877', 'x'), { host: '127.0.0.1', port: 9877 });
  assert.deepEqual(parseListenAddress('127.0.0.1:9877', 'x'), { host: '127.0.0.1', port: 9877 });
  assert.deepEqual(parseListenAddress('0.0.0.0:9877', 'x'), { host: '0.0.0.0', port: 9877 });
  assert.deepEqual(parseListenAddress('[::1]:9877', 'x'), { host: '::1', port: 9877 });
  assert.deepEqual(parseListenAddress('[::]:0', 'x'), { host: '::', port: 0 });
  assert.equal(formatListenAddress({ host: '::1', port: 9877 }), '[::1]:9877');
  assert.equal(formatListenAddress({ host: '10.0.0.5', port: 1 }), '10.0.0.5:1');
});

test('anything else is refused, naming where and what was expected', () => {
  const cases: [string, RegExp][] = [
    [':9877', /an empty address would mean every address: write 0\.0\.0\.0 or \[::\]/],
    ['localhost:9877', /not a numeric IPv4 address \(host names are not looked up\)/],
    ['::1:9877', /expected ADDRESS:PORT/],
    ['[::1]', /expected ADDRESS:PORT/],
    ['[nope]:1', /"nope" is not an IPv6 address/],
    ['127.0.0.1:65536', /the port must be between 0 and 65535/],
    ['127.0.0.1:', /expected ADDRESS:PORT/],
    ['256.1.1.1:80', /not a numeric IPv4 address/],
  ];
  for (const [text, why] of cases) {
    assert.throws(() => parseListenAddress(text, '/etc/m.conf:3'), (e: Error) => e instanceof SettingsError && /^\/etc\/m\.conf:3: /.test(e.message) && why.test(e.message), text);
  }
});

test('settings keep "" for off, or a value that parses', () => {
  assert.equal(checkMetricsListen('', 'x'), '');
  assert.equal(checkMetricsListen(' 127.0.0.1:9 ', 'x'), '127.0.0.1:9');
  assert.throws(() => checkMetricsListen('nope', 'x'), SettingsError);
});
