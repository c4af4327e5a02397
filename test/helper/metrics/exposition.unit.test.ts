// The text format's escaping: any mountpoint (quotes, backslashes, newlines, bytes that are not UTF-8,
// bidi controls) becomes a valid, printable, distinct label value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatValue, label, labelValue, renderFamilies, sample } from '../../../src/helper/metrics/exposition.js';
import { decodeUtf8Lossless } from '../../../src/common/mount-table/utf8.js';
import { unescapeOctal } from '../../../src/common/mount-table/escapes.js';

test('label values: the log\'s \\ooo escaping, then the format\'s \\\\, \\" and \\n', () => {
  assert.equal(labelValue('/home'), '/home');
  assert.equal(labelValue('/mnt/a b'), '/mnt/a b', 'spaces stay');
  assert.equal(labelValue('/mnt/say "hi"'), '/mnt/say \\"hi\\"');
  assert.equal(labelValue('/mnt/back\\slash'), '/mnt/back\\\\134slash', 'the backslash is \\134, whose backslash the format escapes');
  assert.equal(labelValue('/mnt/new\nline'), '/mnt/new\\\\012line');
  assert.equal(labelValue('/mnt/tab\there'), '/mnt/tab\\\\011here');
  assert.equal(labelValue('/mnt/café'), '/mnt/café', 'UTF-8 stays as it is');
  assert.equal(labelValue('/mnt/evil\u202egnp.exe'), '/mnt/evil\\\\342\\\\200\\\\256gnp.exe', 'a bidi override cannot reorder what a dashboard shows');
  const invalid = decodeUtf8Lossless(Uint8Array.from([0x2f, 0x62, 0xff, 0xfe]));
  assert.equal(labelValue(invalid), '/b\\\\377\\\\376');
  assert.ok(Buffer.from(labelValue(invalid), 'utf8').toString('utf8') === labelValue(invalid), 'valid UTF-8 whatever the path held');
});

test('distinct paths stay distinct series: the escaping can be undone', () => {
  const paths = ['/mnt/a\\012b', '/mnt/a\nb', '/mnt/a"b', decodeUtf8Lossless(Uint8Array.from([0x2f, 0xff])), '/mnt/\u00ff'];
  const values = paths.map(labelValue);
  assert.equal(new Set(values).size, paths.length);
  // Undo the format's escaping (as Prometheus does), then the \ooo escaping: the path comes back.
  const unformat = (v: string) => v.replace(/\\(["\\n])/g, (_m, c: string) => (c === 'n' ? '\n' : c));
  paths.forEach((p, i) => assert.equal(unescapeOctal(unformat(values[i]!)), p));
});

test('values as Go parses them; samples with and without labels; empty families left out', () => {
  assert.deepEqual([0, 1, 0.001132, 1718000000.123, 1e21, NaN, Infinity, -Infinity].map(formatValue), ['0', '1', '0.001132', '1718000000.123', '1e+21', 'NaN', '+Inf', '-Inf']);
  const text = renderFamilies([
    { name: 'a_total', type: 'counter', help: 'Has a \\ and a\nnewline.', samples: [sample('', 3)] },
    { name: 'b', type: 'gauge', help: 'Never printed.', samples: [] },
    { name: 'c', type: 'gauge', help: 'C.', samples: [sample(`${label('x', 'q"')},${label('y', '')}`, 1)] },
  ]);
  assert.equal(text, '# HELP a_total Has a \\\\ and a\\nnewline.\n# TYPE a_total counter\na_total 3\n# HELP c C.\n# TYPE c gauge\nc{x="q\\"",y=""} 1\n');
});
