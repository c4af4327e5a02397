import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchGlob } from '../../../src/common/mount-table/glob.js';
import { selectMounts } from '../../../src/common/mount-table/scope.js';

const yes = (p: string, s: string) => assert.equal(matchGlob(p, s), true, `${p} should match ${JSON.stringify(s)}`);
const no = (p: string, s: string) => assert.equal(matchGlob(p, s), false, `${p} should not match ${JSON.stringify(s)}`);

test('literal patterns match the full path only', () => {
  yes('/home', '/home');
  no('/home', '/home/bob');
  no('/home', '/homes');
  yes('/a.b+(c)', '/a.b+(c)');
  no('/a.b', '/aXb');
});

test('* stays within one component', () => {
  yes('/home/*', '/home/bob');
  no('/home/*', '/home/bob/x');
  no('/home/*', '/home');
  yes('/mnt/*data*', '/mnt/bigdata1');
  yes('/run/user/*/gvfs', '/run/user/1000/gvfs');
});

test('? is one character, never /', () => {
  yes('/mnt/disk?', '/mnt/disk1');
  no('/mnt/disk?', '/mnt/disk10');
  no('/a?b', '/a/b');
  yes('/caf?', '/café');
  yes('/?', '/😀');
});

test('** crosses components and, as a whole component, matches zero of them', () => {
  yes('/srv/**', '/srv');
  yes('/srv/**', '/srv/a');
  yes('/srv/**', '/srv/a/b/c');
  no('/srv/**', '/srvx');
  yes('/a/**/b', '/a/b');
  yes('/a/**/b', '/a/x/y/b');
  no('/a/**/b', '/a/xb');
  yes('**/cache', '/cache');
  yes('**/cache', '/home/bob/cache');
  yes('/**', '/anything/at/all');
  yes('/x**y', '/x/1/2y');
  yes('**', '/x');
});

test('character classes, ranges, negation, and literal ]', () => {
  yes('/mnt/[abc]', '/mnt/b');
  no('/mnt/[abc]', '/mnt/d');
  yes('/mnt/[a-c][0-9]', '/mnt/c7');
  yes('/mnt/[!a-c]', '/mnt/d');
  yes('/mnt/[^a-c]', '/mnt/d');
  no('/mnt/[!a-c]', '/mnt/a');
  no('/a[!x]b', '/a/b');
  no('/a[/]b', '/a/b');
  yes('/x[]]', '/x]');
  yes('/x[-]', '/x-');
  yes('/x[\\^]', '/x^');
  yes('/x[', '/x['); // unclosed: literal
});

test('backslash escapes and odd characters in paths', () => {
  yes('/a\\*b', '/a*b');
  no('/a\\*b', '/axb');
  yes('/a\\\\b', '/a\\b');
  yes('/line1*', '/line1\nline2');
  yes('/*\t*', '/tab\there');
  yes('/mnt/share drive', '/mnt/share drive');
});

test('"**/**" is one globstar: it compiles and matches like "**" (it used to throw, failing selectMounts)', () => {
  yes('/a/**/**', '/a');
  yes('/a/**/**', '/a/b/c');
  no('/a/**/**', '/ab');
  yes('**/**', '/x/y');
  yes('/**/**', '/');
  yes('/a/**/**/b', '/a/b');
  yes('/a/**/**/b', '/a/x/y/b');
  yes('/a/**/***/**', '/a');
  no('/a/**/**/b', '/a/xb');
  assert.doesNotThrow(() => selectMounts([], { include: ['/x/**/**'], exclude: ['**/**'] }));
});

test('a trailing slash is ignored: a mountpoint never ends in one', () => {
  yes('/srv/', '/srv');
  no('/srv/', '/srv/a');
  yes('/srv/**/', '/srv/a/b');
  yes('/srv/**/', '/srv');
  yes('/', '/');
  yes('/a\\/', '/a/'); // an escaped slash is a literal character, kept
});

test('odd patterns: "**" first, "[" without "]", escapes, never throwing', () => {
  yes('**/cache', '/cache');
  yes('**/cache', '/home/bob/cache');
  no('**/cache', '/home/bobcache');
  yes('/a[b', '/a[b');
  yes('/a[!', '/a[!');
  yes('/a\\*', '/a*');
  no('/a\\*', '/ab');
  yes('/a\\', '/a\\');
  // Any mix of the syntax characters compiles (a bad pattern must never fail a sweep).
  const alphabet = ['*', '*', '/', '?', '[', ']', '!', '^', '-', '\\', 'a', '😀', '\u{dc80}'];
  let seed = 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % alphabet.length;
  for (let n = 0; n < 20_000; n++) {
    const pat = Array.from({ length: 1 + (n % 9) }, () => alphabet[rnd()]).join('');
    assert.doesNotThrow(() => matchGlob(pat, '/a/b'), JSON.stringify(pat));
  }
});
