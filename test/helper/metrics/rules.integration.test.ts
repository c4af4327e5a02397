// The shipped alerting (build/prometheus/mount-status-monitor.rules.yml, build/alertmanager/
// mount-status-monitor.yml) through Debian's promtool and amtool: the rules load and their unit tests
// (mount-status-monitor.rules.test.yml beside this file) pass; the Alertmanager configuration loads and
// routes each alert where its comments say.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { skipOrFail } from '../../support/namespace.js';
import { ALERTMANAGER_FILE, prometheusUnavailable, RULES_FILE, RULES_TEST_FILE } from '../../support/prometheus.js';
import { alertmanagerUnavailable } from '../../support/alertmanager.js';

const skip = skipOrFail(prometheusUnavailable());
const skipAm = skipOrFail(alertmanagerUnavailable());

test('promtool check rules: the rules file is valid', { skip }, () => {
  const r = spawnSync('promtool', ['check', 'rules', RULES_FILE], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /SUCCESS: 12 rules found/);
});

test('promtool test rules: each alert fires when it should, with its labels and words, and not before', { skip }, () => {
  const r = spawnSync('promtool', ['test', 'rules', RULES_TEST_FILE], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /SUCCESS/);
});

test('every alert in the rules file is exercised by the unit tests', { skip }, () => {
  const rules = [...readFileSync(RULES_FILE, 'utf8').matchAll(/^\s*- alert: (\w+)$/gm)].map((m) => m[1]);
  const tests = readFileSync(RULES_TEST_FILE, 'utf8');
  assert.equal(rules.length, 8);
  for (const name of rules) assert.match(tests, new RegExp(`alertname: ${name}\\n\\s+exp_alerts:\\n\\s+- exp_labels`), `${name} is never shown firing`);
});

test('amtool check-config: the Alertmanager configuration is valid, with its inhibition', { skip: skipAm }, () => {
  const r = spawnSync('amtool', ['check-config', ALERTMANAGER_FILE], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /SUCCESS/);
  assert.match(r.stdout, /1 inhibit rules/);
});

test('amtool: a server alert to storage, a home to desktops, a host\'s own alert to storage', { skip: skipAm }, () => {
  const receiver = (...labels: string[]) => {
    const r = spawnSync('amtool', ['config', 'routes', 'test', `--config.file=${ALERTMANAGER_FILE}`, ...labels], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    return r.stdout.trim();
  };
  assert.equal(receiver('alertname=MountServerNotResponding', 'server=nfs1'), 'storage');
  assert.equal(receiver('alertname=MountNotResponding', 'server=nfs1', 'instance=ws1:9877'), 'storage');
  assert.equal(receiver('alertname=HomeMountSlow', 'server=nfs1', 'instance=ws1:9877'), 'desktops');
  assert.equal(receiver('alertname=HomeMountSlow', 'instance=ws1:9877'), 'desktops', 'a home on a local disk too');
  assert.equal(receiver('alertname=MountStatusMonitorDown', 'instance=ws1:9877'), 'storage');
});
