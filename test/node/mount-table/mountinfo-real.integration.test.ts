// The real kernel's /proc/self/mountinfo, in a private mount namespace: names with every escaped byte
// round-trip to the exact path, stacked mounts are reported as covered, and 1,000 mounts parse quickly.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { privateMountNamespace, skipOrFail } from '../../support/namespace.js';
import { parseMountinfoBuffer, readMountTable } from '../../../src/node/mount-table/read-mount-table.js';
import { encodeUtf8Lossless } from '../../../src/common/mount-table/utf8.js';
import { selectMounts } from '../../../src/common/mount-table/scope.js';
import type { MountEntry } from '../../../src/common/mount.js';

const ns = privateMountNamespace(import.meta.url);
const skip = skipOrFail(ns.canMount ? undefined : ns.reason);

let base = '';

function mountTmpfs(source: string, path: string): void {
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', source, path]);
}

before(() => {
  if (skip) return;
  base = mkdtempSync('/tmp/msm-mount-table-');
  // Everything below lives on this tmpfs, so nothing is left in /tmp even if cleanup is cut short.
  mountTmpfs('msm-base', base);
});

after(() => {
  if (!base) return;
  // Lazy: a detach takes the whole tree, including mounts no path reaches any more (the odd-stacks test
  // leaves some, and `umount -R` walks paths, so it cannot name them).
  execFileSync('umount', ['-l', base]);
  rmdirSync(base);
});

function under(entries: MountEntry[]): MountEntry[] {
  return entries.filter((e) => e.mountpoint.startsWith(base + '/'));
}

test('names with space, tab, newline, backslash, " - ", \\040 text and UTF-8 round-trip through mountinfo', { skip }, async () => {
  const names = ['with space', 'tab\there', 'new\nline', 'back\\slash', ' - dash - ', '\\040literal', 'café 日本 😀', '-'];
  const sources = ['src with space', 'src\ttab', 'src\nnl', 'src\\bs', ' - ', '\\040', 'srcé', 'x'];
  names.forEach((n, i) => {
    mkdirSync(join(base, n));
    mountTmpfs(sources[i]!, join(base, n));
  });
  // A bind mount of a directory inside one of them puts an escaped name in the root field too.
  mkdirSync(join(base, 'with space', 'sub\tdir é'));
  mkdirSync(join(base, 'bind target'));
  execFileSync('mount', ['--bind', join(base, 'with space', 'sub\tdir é'), join(base, 'bind target')]);

  const table = await readMountTable();
  assert.deepEqual(table.problems, []);
  const mine = new Map(under(table.entries).map((e) => [e.mountpoint, e]));
  names.forEach((n, i) => {
    const e = mine.get(join(base, n));
    assert.ok(e, `mount ${JSON.stringify(n)} not found in ${JSON.stringify([...mine.keys()])}`);
    assert.equal(e.fstype, 'tmpfs');
    assert.equal(e.source, sources[i]);
    assert.equal(e.root, '/');
    // The decoded mountpoint names the real directory: its device is the new tmpfs, not the base.
    assert.notEqual(statSync(Buffer.from(encodeUtf8Lossless(e.mountpoint))).dev, statSync(base).dev);
  });
  const bind = mine.get(join(base, 'bind target'))!;
  assert.equal(bind.root, '/sub\tdir é');
  assert.equal(bind.source, 'src with space');
});

test('a mountpoint that is not UTF-8 is kept losslessly and names the real directory', { skip }, async () => {
  // printf writes the raw bytes 0xff 0xfe, which no JS string literal can put in a path.
  execFileSync('sh', ['-c', 'd="$1/bad$(printf "\\377\\376")"; mkdir "$d" && mount -t tmpfs msm-bad "$d"', 'sh', base]);
  const table = await readMountTable();
  const e = under(table.entries).find((x) => x.source === 'msm-bad');
  assert.ok(e);
  assert.equal(e.mountpoint, base + '/bad\udcff\udcfe');
  const bytes = Buffer.from(encodeUtf8Lossless(e.mountpoint));
  assert.deepEqual(bytes, Buffer.concat([Buffer.from(base + '/bad'), Buffer.from([0xff, 0xfe])]));
  assert.notEqual(statSync(bytes).dev, statSync(base).dev);
});

test('two tmpfs on one path: the lower one is covered, a mount inside it unreachable, only the top probed', { skip }, async () => {
  const stack = join(base, 'stack');
  mkdirSync(stack);
  mountTmpfs('msm-lower', stack);
  mkdirSync(join(stack, 'inner'));
  mountTmpfs('msm-inner', join(stack, 'inner'));
  mountTmpfs('msm-upper', stack);
  mkdirSync(join(stack, 'on-top'));
  mountTmpfs('msm-on-top', join(stack, 'on-top'));

  const table = await readMountTable();
  const mine = table.entries.filter((e) => e.source.startsWith('msm-') && e.mountpoint.startsWith(stack));
  const s = selectMounts(mine, { include: [], exclude: [] });
  assert.deepEqual(s.inScope.map((e) => e.source).sort(), ['msm-on-top', 'msm-upper']);
  assert.deepEqual(
    s.covered.map((c) => [c.entry.source, c.by.source, c.how]),
    [['msm-lower', 'msm-upper', 'same-path'], ['msm-inner', 'msm-upper', 'under-covered']],
  );
});

/** major:minor of the filesystem a path resolves to, as mountinfo field 3 writes it, or undefined. */
function deviceAt(path: string): string | undefined {
  try {
    const dev = statSync(path, { bigint: true }).dev;
    // Linux dev_t (glibc gnu_dev_major/minor): major bits 8..19 and 32..; minor bits 0..7 and 20..
    const major = ((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn);
    const minor = (dev & 0xffn) | ((dev >> 12n) & ~0xffn);
    return `${major}:${minor}`;
  } catch {
    return undefined;
  }
}

test('odd stacks made by the kernel: what selectMounts probes is exactly what a path lookup reaches', { skip }, async () => {
  const odd = join(base, 'odd');
  mkdirSync(odd);
  const sh = (script: string) => execFileSync('sh', ['-euc', script, 'sh', odd]);
  // 1. A mount inside a directory, then a mount on that directory: same parent, the deeper one shadowed.
  sh('mkdir -p "$1/a/b"; mount -t tmpfs msm-odd-inner "$1/a/b"; mount -t tmpfs msm-odd-outer "$1/a"');
  // 2. A directory bind-mounted onto itself (not recursive): the mount that was inside it is now hidden.
  sh('mkdir -p "$1/self/sub"; mount -t tmpfs msm-odd-selfsub "$1/self/sub"; mount --bind "$1/self" "$1/self"');
  // 3. mount --move onto a path that already has a mount with a submount: the moved one goes on top.
  sh('mkdir "$1/g" "$1/t"; mount -t tmpfs msm-odd-low "$1/g"; mkdir "$1/g/x"; mount -t tmpfs msm-odd-lowsub "$1/g/x"; ' +
    'mount -t tmpfs msm-odd-moved "$1/t"; mount --move "$1/t" "$1/g"');
  // 4. Shared subtree peers: a mount made in one peer propagates to the other; both copies are reachable.
  sh('mkdir "$1/p" "$1/q"; mount -t tmpfs msm-odd-peer "$1/p"; mount --make-shared "$1/p"; mount --bind "$1/p" "$1/q"; ' +
    'mkdir "$1/p/z"; mount -t tmpfs msm-odd-prop "$1/p/z"');

  const table = await readMountTable();
  assert.deepEqual(table.problems, []);
  const all = selectMounts(table.entries, { include: [], exclude: [] });
  const probed = new Set(all.inScope.map((e) => e.mountId));
  const coveredIds = new Set(all.covered.map((c) => c.entry.mountId));
  const mine = table.entries.filter((e) => e.mountpoint.startsWith(odd + '/'));
  assert.equal(mine.filter((e) => e.source === 'msm-odd-prop').length, 2, 'the mount propagated to the peer');
  const report: string[] = [];
  for (const e of mine) {
    // Reachable: a lookup of its path lands on its filesystem and is not answered by another mount of the
    // same filesystem (the bind of "self" shares msm-base's device, so compare only the bind itself there).
    const reached = deviceAt(e.mountpoint) === e.device;
    report.push(`${e.mountpoint.slice(odd.length)} ${e.source} probed=${probed.has(e.mountId)} reached=${reached}`);
    assert.equal(probed.has(e.mountId) || coveredIds.has(e.mountId), true, `${e.source} is either probed or covered`);
  }
  for (const e of mine) {
    const reached = deviceAt(e.mountpoint) === e.device;
    assert.equal(probed.has(e.mountId), reached, `${e.mountpoint} (${e.source}):\n${report.join('\n')}`);
  }
  const sources = (ids: Set<number>) => mine.filter((e) => ids.has(e.mountId)).map((e) => e.source).sort();
  assert.deepEqual(sources(coveredIds), ['msm-odd-inner', 'msm-odd-low', 'msm-odd-lowsub', 'msm-odd-selfsub']);
});

test('1,000 real mounts parse without problems (prints time, no timed assertion)', { skip, timeout: 600_000 }, async () => {
  const many = join(base, 'many');
  mkdirSync(many);
  const t0 = performance.now();
  execFileSync('sh', ['-c', 'i=0; while [ $i -lt 1000 ]; do mkdir "$1/m $i" && mount -t tmpfs -o size=64k msm-many "$1/m $i" || exit 1; i=$((i+1)); done', 'sh', many]);
  const mountMs = performance.now() - t0;
  const t1 = performance.now();
  const table = await readMountTable();
  const readMs = performance.now() - t1;
  assert.deepEqual(table.problems, []);
  assert.equal(table.entries.filter((e) => e.source === 'msm-many').length, 1000);
  const t4 = performance.now();
  const buf = readFileSync('/proc/self/mountinfo');
  const procMs = performance.now() - t4;
  for (let i = 0; i < 20; i++) parseMountinfoBuffer(buf);
  const n = 50;
  const t2 = performance.now();
  for (let i = 0; i < n; i++) parseMountinfoBuffer(buf);
  const parseMs = (performance.now() - t2) / n;
  const t3 = performance.now();
  const sel = selectMounts(table.entries, { include: [], exclude: [] });
  const selectMs = performance.now() - t3;
  console.log(
    `# ${table.entries.length} mounts (${buf.length} bytes): made in ${mountMs.toFixed(0)} ms; ` +
      `first readMountTable ${readMs.toFixed(2)} ms; a read of /proc/self/mountinfo ${procMs.toFixed(2)} ms; warm parse ${parseMs.toFixed(3)} ms; selectMounts ${selectMs.toFixed(2)} ms ` +
      `(${sel.inScope.length} in scope)`,
  );
});
