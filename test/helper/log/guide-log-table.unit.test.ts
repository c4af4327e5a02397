// The admin guide's log table is the contract admins read (and mountstatus(8) prints: build/deb/man-page.js
// takes it from docs/admin-guide.md). It must be exactly the lines lines.ts writes: every example of line-examples.ts,
// rendered, in order, with its severity; no row without a function, no function without a row.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as lines from '../../../src/helper/log/lines.js';
import type { LogLine } from '../../../src/helper/log/lines.js';
import { LINE_EXAMPLES } from '../../../src/helper/log/line-examples.js';

const ROOT = new URL('../../../../', import.meta.url);
const { markdownSection } = (await import(new URL('build/deb/man-page.js', ROOT).href)) as { markdownSection(markdown: string, heading: string): string };
const guide = readFileSync(new URL('docs/admin-guide.md', ROOT), 'utf8');

/** The table's rows as [line, severity]: the first cell must be one code span and nothing else. */
function tableRows(): [string, string][] {
  const section = markdownSection(guide, '## Log lines: the contract with administrators');
  const rows = section.split('\n').filter((l) => l.startsWith('|')).slice(2); // header, separator
  return rows.map((row) => {
    const m = /^\| `([^`]+)` \| ([a-z]+) \|/.exec(row);
    assert.ok(m, `a row whose first cell is not one log line in backticks, or no severity: ${row}`);
    return [m[1]!, m[2]!];
  });
}

function rendered(): [string, string][] {
  const out: [string, string][] = [];
  for (const [name, calls] of Object.entries(LINE_EXAMPLES)) {
    const fn = (lines as unknown as Record<string, (...args: unknown[]) => LogLine>)[name]!;
    for (const args of calls as readonly (readonly unknown[])[]) {
      const line = fn(...args);
      out.push([line.text, line.severity]);
    }
  }
  return out;
}

test('every function of lines.ts has an example (and every example a function)', () => {
  const functions = Object.entries(lines).filter(([, v]) => typeof v === 'function').map(([k]) => k).sort();
  assert.deepEqual(Object.keys(LINE_EXAMPLES).sort(), functions);
  for (const [name, calls] of Object.entries(LINE_EXAMPLES)) assert.ok(calls.length > 0, `${name} has no example`);
});

test("the admin guide's log table is exactly the examples, rendered, in order, with their severities", () => {
  const table = tableRows();
  const lines = rendered();
  const missing = lines.filter(([t]) => !table.some(([r]) => r === t)).map(([t]) => t);
  const extra = table.filter(([r]) => !lines.some(([t]) => t === r)).map(([r]) => r);
  assert.deepEqual({ missing, extra }, { missing: [], extra: [] }, 'rows for lines lines.ts does not write, or lines the guide lacks');
  assert.deepEqual(table, lines);
});

test('the original\'s four lines open the table, byte for byte', () => {
  assert.deepEqual(tableRows().slice(0, 5), [
    ['Checked 42 mounts in 0 seconds', 'info'],
    ['Checked 37 mounts in 60 seconds: 1 dead', 'warning'],
    ['Timed out waiting for child process 30686: sending SIGKILL', 'err'],
    ["Couldn't check mountpoint /example: mode 4000 does not allow access", 'warning'],
    ['Mountpoint /mnt/x is not responding: no answer within 10 seconds', 'err'],
  ]);
});
