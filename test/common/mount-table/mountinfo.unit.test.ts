import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMountinfo, parseMountinfoLine } from '../../../src/common/mount-table/mountinfo.js';
import { fixtureText } from './fixtures.js';

test('the proc(5) example line parses into every field', () => {
  const r = parseMountinfo('36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue\n');
  assert.deepEqual(r.problems, []);
  assert.deepEqual(r.entries, [
    {
      mountId: 36,
      parentId: 35,
      device: '98:0',
      root: '/mnt1',
      mountpoint: '/mnt2',
      mountOptions: ['rw', 'noatime'],
      optionalFields: ['master:1'],
      fstype: 'ext3',
      source: '/dev/root',
      superOptions: ['rw', 'errors=continue'],
    },
  ]);
});

test('zero to many optional fields', () => {
  const base = (opt: string) => `40 1 0:50 / /x rw ${opt}- tmpfs tmpfs rw`;
  assert.deepEqual((parseMountinfoLine(base('')) as { optionalFields: string[] }).optionalFields, []);
  assert.deepEqual((parseMountinfoLine(base('shared:1 ')) as { optionalFields: string[] }).optionalFields, ['shared:1']);
  const many = parseMountinfoLine(base('shared:1 master:2 propagate_from:3 unbindable '));
  assert.ok(typeof many !== 'string');
  assert.deepEqual(many.optionalFields, ['shared:1', 'master:2', 'propagate_from:3', 'unbindable']);
  assert.equal(many.fstype, 'tmpfs');
  assert.deepEqual(many.superOptions, ['rw']);
});

test('escapes are decoded in every field: root, mountpoint, options, optional fields, fstype, source, super options', () => {
  const line =
    '41 1 0:51 /r\\040oot /a\\040b\\011c\\012d\\134e rw,x\\054y opt\\040field - fuse.my\\040fs s\\040r\\134c rw,k=v\\040w\\054z';
  const e = parseMountinfoLine(line);
  assert.ok(typeof e !== 'string', String(e));
  assert.equal(e.root, '/r oot');
  assert.equal(e.mountpoint, '/a b\tc\nd\\e');
  assert.deepEqual(e.mountOptions, ['rw', 'x,y']);
  assert.deepEqual(e.optionalFields, ['opt field']);
  assert.equal(e.fstype, 'fuse.my fs');
  assert.equal(e.source, 's r\\c');
  assert.deepEqual(e.superOptions, ['rw', 'k=v w,z']);
});

test('a newline in a mountpoint (\\012) does not split the line', () => {
  const r = parseMountinfo('50 1 0:60 / /line1\\012line2 rw - tmpfs tmpfs rw\n51 1 0:61 / /next rw - tmpfs tmpfs rw\n');
  assert.deepEqual(r.problems, []);
  assert.deepEqual(r.entries.map((e) => e.mountpoint), ['/line1\nline2', '/next']);
});

test('escaped UTF-8 bytes decode as one character; raw UTF-8 is kept; any byte \\000-\\377 decodes', () => {
  const r = parseMountinfo(
    '1 0 0:1 / /caf\\303\\251 rw - tmpfs t rw\n2 0 0:2 / /café/日本 rw - tmpfs t rw\n3 0 0:3 / /\\001\\177x rw - tmpfs t rw\n4 0 0:4 / /\\360\\237\\230\\200 rw - tmpfs t rw\n',
  );
  assert.deepEqual(r.problems, []);
  assert.deepEqual(r.entries.map((e) => e.mountpoint), ['/café', '/café/日本', '/\u0001\u007fx', '/😀']);
});

test('invalid UTF-8 does not throw and is kept losslessly as U+DC80..U+DCFF', () => {
  const r = parseMountinfo('1 0 0:1 / /bad\\377\\303( rw - tmpfs t rw\n');
  assert.deepEqual(r.problems, []);
  assert.equal(r.entries[0]!.mountpoint, '/bad\udcff\udcc3(');
});

test('raw bytes input: invalid UTF-8 kept losslessly, valid decoded', () => {
  const enc = new TextEncoder();
  const head = enc.encode('1 0 0:1 / /x');
  const tail = enc.encode('é rw - tmpfs t rw\n');
  const bytes = new Uint8Array([...head, 0xff, 0xfe, ...tail]);
  const r = parseMountinfo(bytes);
  assert.deepEqual(r.problems, []);
  assert.equal(r.entries[0]!.mountpoint, '/x\udcff\udcfeé');
});

test('" - " inside escaped fields cannot be taken for the separator', () => {
  // A mountpoint "/a - b" and a source " - " are written with \040.
  const e = parseMountinfoLine('60 1 0:70 / /a\\040-\\040b rw shared:9 - tmpfs \\040-\\040 rw');
  assert.ok(typeof e !== 'string', String(e));
  assert.equal(e.mountpoint, '/a - b');
  assert.equal(e.source, ' - ');
  assert.deepEqual(e.optionalFields, ['shared:9']);
  // A lone "-" as the mountpoint's... root field does not count either: the scan starts at field 7.
  const f = parseMountinfoLine('61 1 0:71 - /m rw - tmpfs src rw');
  assert.ok(typeof f !== 'string', String(f));
  assert.equal(f.root, '-');
  assert.equal(f.source, 'src');
});

test('an empty source field (mount -t tmpfs "" /x) parses', () => {
  const e = parseMountinfoLine('62 1 0:72 / /x rw - tmpfs  rw,inode64');
  assert.ok(typeof e !== 'string', String(e));
  assert.equal(e.source, '');
  assert.deepEqual(e.superOptions, ['rw', 'inode64']);
});

test('quoted SELinux context options keep their commas', () => {
  const e = parseMountinfoLine('63 1 0:73 / /x rw - tmpfs tmpfs rw,context="system_u:object_r:tmp_t:s0:c127,c456",inode64');
  assert.ok(typeof e !== 'string', String(e));
  assert.deepEqual(e.superOptions, ['rw', 'context="system_u:object_r:tmp_t:s0:c127,c456"', 'inode64']);
});

test('malformed lines are reported with line number, text and reason, and skipped; never a throw', () => {
  const text = [
    '20 1 0:1 / /ok1 rw - tmpfs tmpfs rw',
    '21 1 0:2 / /short rw - tmpfs',
    'x 1 0:3 / /badid rw - tmpfs tmpfs rw',
    '22 y 0:4 / /badparent rw - tmpfs tmpfs rw',
    '23 1 zz / /baddev rw - tmpfs tmpfs rw',
    '24 1 0:5 / /nosep rw shared:1 tmpfs tmpfs rw',
    'garbage',
    '',
    '25 1 0:6 / /ok2 rw - tmpfs tmpfs rw',
    '26 1 0:7 / /after rw shared:1 tmpfs - tmpfs',
  ].join('\n');
  const r = parseMountinfo(text);
  assert.deepEqual(r.entries.map((e) => e.mountpoint), ['/ok1', '/ok2']);
  const expected: [number, string][] = [
    [2, 'too few fields (8'],
    [3, 'mount id is not a number'],
    [4, 'parent id is not a number'],
    [5, 'device is not major:minor'],
    [6, 'no " - " separator'],
    [7, 'too few fields (1'],
    [10, 'too few fields after'],
  ];
  assert.deepEqual(r.problems.map((p) => p.line), expected.map((x) => x[0]));
  r.problems.forEach((p, i) => assert.ok(p.reason.startsWith(expected[i]![1]), `line ${p.line}: ${p.reason}`));
  assert.equal(r.problems[1]!.text, 'x 1 0:3 / /badid rw - tmpfs tmpfs rw');
});

test('arbitrary garbage never throws', () => {
  let seed = 12345;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const alphabet = ' -\\0123456789:/abc\n\t,"é';
  for (let n = 0; n < 2000; n++) {
    let s = '';
    const len = Math.floor(rnd() * 80);
    for (let i = 0; i < len; i++) s += alphabet[Math.floor(rnd() * alphabet.length)];
    const r = parseMountinfo(s);
    assert.ok(Array.isArray(r.entries) && Array.isArray(r.problems));
  }
});

test('the recorded Debian 12 table parses without problems', () => {
  const r = parseMountinfo(fixtureText('linux-debian12.mountinfo'));
  assert.deepEqual(r.problems, []);
  assert.equal(r.entries.length, 33);
  const byMp = new Map(r.entries.map((e) => [e.mountpoint, e]));
  assert.equal(byMp.get('/mnt/share drive')!.source, '//fileserver/Team Share');
  assert.equal(byMp.get('/srv/café\ttab')!.source, 'my src');
  assert.equal(byMp.get('/home/alice')!.parentId, 70);
});

test('benchmark: 1,000 lines (prints time, no timed assertion)', () => {
  const lines: string[] = [];
  for (let i = 0; i < 1000; i++) {
    lines.push(`${100 + i} 28 0:${60 + i} / /srv/mnt/m${i}${i % 10 === 0 ? '\\040with\\040space' : ''} rw,relatime shared:${i} - tmpfs tmpfs rw,size=1024k,inode64`);
  }
  const text = lines.join('\n') + '\n';
  for (let i = 0; i < 50; i++) parseMountinfo(text); // warm up the JIT, as a daemon is after a few sweeps
  const n = 200;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) parseMountinfo(text);
  const wall = (performance.now() - t0) / n;
  const c = process.cpuUsage(c0);
  const cpu = (c.user + c.system) / 1000 / n;
  console.log(`# parseMountinfo: 1000 lines in ${wall.toFixed(3)} ms wall, ${cpu.toFixed(3)} ms CPU (mean of ${n})`);
  assert.equal(parseMountinfo(text).entries.length, 1000);
});

test('adversarial lines: " - " in a name, backslashes that are not escapes, a "-" look-alike, empty lines', () => {
  const t = [
    '1 0 0:1 / /a\\040-\\040b rw - tmpfs x rw',
    '',
    '2 1 0:2 / /b\\9 rw -x - tmpfs src\\ rw', // "\9" and a trailing backslash are kept literally
    '3 1 0:3 / /c\\400 rw shared:1 master:2 - tmpfs y rw',
    '',
  ].join('\n');
  const r = parseMountinfo(t);
  assert.deepEqual(r.problems, []);
  assert.deepEqual(r.entries.map((e) => [e.mountpoint, e.optionalFields, e.fstype, e.source]), [
    ['/a - b', [], 'tmpfs', 'x'],
    ['/b\\9', ['-x'], 'tmpfs', 'src\\'],
    ['/c\\400', ['shared:1', 'master:2'], 'tmpfs', 'y'],
  ]);
});

test('benchmark: 10,000 lines (prints time, no timed assertion)', () => {
  const lines = Array.from({ length: 10_000 }, (_, i) => `${i + 2} 1 0:${i} / /mnt/m\\040${i} rw,relatime shared:${i} - tmpfs msm rw,size=64k`);
  const text = lines.join('\n') + '\n';
  const t0 = performance.now();
  const r = parseMountinfo(text);
  console.log(`# 10,000-line mountinfo parsed in ${(performance.now() - t0).toFixed(1)} ms`);
  assert.equal(r.entries.length, 10_000);
  assert.equal(r.entries[9999]!.mountpoint, '/mnt/m 9999');
});
