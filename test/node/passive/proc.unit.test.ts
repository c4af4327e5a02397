import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseProcStat } from '../../../src/node/passive/proc.js';

test('a /proc/PID/stat line: the fields after a command name holding spaces and parentheses', () => {
  assert.deepEqual(parseProcStat('900 (automount) S 1 900 900 0 -1 4194560 ...'), { comm: 'automount', state: 'S', pgrp: 900, cpuTicks: NaN });
  const line = '77 (a) b (c)) D 1 55 55 0 -1 4194560 120 0 0 0 31 9 0 0 20 0 1 0 12345';
  assert.deepEqual(parseProcStat(line), { comm: 'a) b (c)', state: 'D', pgrp: 55, cpuTicks: 40 });
  assert.equal(parseProcStat('nonsense'), undefined);
  assert.equal(parseProcStat(undefined), undefined);
});

test("this process's own stat: running, its own group, CPU time used", () => {
  const own = parseProcStat(readFileSync('/proc/self/stat', 'utf8'));
  assert.ok(own);
  assert.equal(own.state, 'R');
  assert.equal(own.pgrp, Number(readFileSync('/proc/self/stat', 'utf8').split(') ')[1]?.split(' ')[2]));
  assert.ok(Number.isInteger(own.cpuTicks) && own.cpuTicks >= 0);
});
