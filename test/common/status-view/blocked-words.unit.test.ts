import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blockedInWords, blockedPrograms } from '../../../src/common/status-view/blocked-words.js';

const p = (pid: number, comm: string) => ({ pid, comm, uid: 1000 });

test('who is waiting, in words: programs by name, counted-only processes as programs', () => {
  assert.equal(blockedInWords(undefined), '');
  assert.equal(blockedInWords({ count: 0, processes: [] }), '');
  assert.equal(blockedInWords({ count: 1, processes: [p(1, 'firefox')] }), 'firefox is waiting on it');
  assert.equal(blockedInWords({ count: 4, processes: [p(1, 'firefox'), p(2, 'firefox'), p(3, 'firefox'), p(4, 'firefox')] }), 'firefox is waiting on it');
  assert.equal(blockedInWords({ count: 3, processes: [p(1, 'firefox'), p(2, 'thunderbird'), p(3, 'bash')] }), 'firefox and 2 other programs are waiting on it');
  assert.equal(blockedInWords({ count: 2, processes: [p(1, 'firefox'), p(2, 'bash')] }), 'firefox and 1 other program are waiting on it');
  // A non-root client sees only its own processes; the others are a count.
  assert.equal(blockedInWords({ count: 5, processes: [p(1, 'firefox')] }), 'firefox and 4 other programs are waiting on it');
  assert.equal(blockedInWords({ count: 1, processes: [] }), '1 program is waiting on it');
  assert.equal(blockedInWords({ count: 12, processes: [] }), '12 programs are waiting on it');
  assert.equal(blockedInWords({ count: 2, processes: [p(1, 'firefox'), p(2, 'bash')] }, 2), 'firefox and bash are waiting on it');
  assert.equal(blockedInWords({ count: 3, processes: [p(1, 'a'), p(2, 'b'), p(3, 'c')] }, 2), 'a, b and 1 other program are waiting on it');
  assert.deepEqual(blockedPrograms({ count: 3, processes: [p(1, 'x'), p(2, 'y'), p(3, 'x')] }), ['x', 'y']);
});

test('processes the scan had no time to examine are said, not guessed', () => {
  assert.equal(blockedInWords({ count: 1, processes: [p(1, 'firefox')], unexamined: 25 }), 'firefox is waiting on it; 25 more processes were not examined');
  assert.equal(blockedInWords({ count: 0, processes: [], unexamined: 1 }), '1 process was not examined');
});
