// The shipped alert rules (build/prometheus/mount-status-monitor.rules.yml) through Debian's promtool:
// they load, and their unit tests (mount-status-monitor.rules.test.yml beside this file) pass.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { skipOrFail } from '../../support/namespace.js';
import { prometheusUnavailable, RULES_FILE, RULES_TEST_FILE } from '../../support/prometheus.js';

const skip = skipOrFail(prometheusUnavailable());

test('promtool check rules: the rules file is valid', { skip }, () => {
  const r = spawnSync('promtool', ['check', 'rules', RULES_FILE], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /SUCCESS: 6 rules found/);
});

test('promtool test rules: each alert fires when it should, with its labels and words, and not before', { skip }, () => {
  const r = spawnSync('promtool', ['test', 'rules', RULES_TEST_FILE], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /SUCCESS/);
});

test('every alert in the rules file is exercised by the unit tests', { skip }, () => {
  const rules = [...readFileSync(RULES_FILE, 'utf8').matchAll(/^\s*- alert: (\w+)$/gm)].map((m) => m[1]);
  const tests = readFileSync(RULES_TEST_FILE, 'utf8');
  assert.equal(rules.length, 6);
  for (const name of rules) assert.match(tests, new RegExp(`alertname: ${name}\\n\\s+exp_alerts:\\n\\s+- exp_labels`), `${name} is never shown firing`);
});
