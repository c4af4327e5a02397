import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isUnder } from '../../../src/common/mount-table/path-to-mount.js';
import { findHomeMount, normaliseHome } from '../../../src/main/app/home-mount.js';
import { mount, nfs } from '../fixtures.js';

/** The mountpoint findHomeMount picks among plain ok mounts on these paths. */
function homeMountpoint(home: string, mountpoints: string[]): string | undefined {
  return findHomeMount(home, mountpoints.map((mp) => mount(mp, 'ok')))?.mountpoint;
}

test('longest mountpoint prefix of $HOME wins', () => {
  const mps = ['/', '/home', '/home/alice', '/home/alice2', '/net'];
  assert.equal(homeMountpoint('/home/alice', mps), '/home/alice');
  assert.equal(homeMountpoint('/home/alice/', mps), '/home/alice');
  assert.equal(homeMountpoint('/home/alicex', mps), '/home');
  assert.equal(homeMountpoint('/home/bob', mps), '/home');
  assert.equal(homeMountpoint('/root', mps), '/');
});

test('$HOME is normalised as a string, never resolved', () => {
  assert.equal(normaliseHome('//home//alice/./x/..'), '/home/alice');
  assert.equal(normaliseHome('relative/home'), undefined);
  assert.equal(normaliseHome(undefined), undefined);
  assert.equal(normaliseHome('/'), '/');
  // A path that does not exist anywhere still works: nothing is looked up.
  assert.equal(homeMountpoint('/nonexistent/zz/home', ['/', '/nonexistent']), '/nonexistent');
});

test('prefix means path component, not characters', () => {
  assert.equal(isUnder('/home/alice', '/home/al'), false);
  assert.equal(isUnder('/home/alice', '/home'), true);
  assert.equal(isUnder('/home', '/home'), true);
  assert.equal(isUnder('/anything', '/'), true);
});

test('stacked mounts: the visible one (not covered) is the home mount', () => {
  const under = nfs('/home', 'old', 'covered');
  const top = nfs('/home', 'nfs1', 'hung');
  assert.equal(findHomeMount('/home/alice', [mount('/', 'ok'), top, under]), top);
  assert.equal(findHomeMount('/home/alice', [mount('/', 'ok'), under, top]), top);
  assert.equal(findHomeMount(undefined, [mount('/', 'ok')]), undefined);
});

test('mountpoints with spaces and odd bytes match literally', () => {
  assert.equal(homeMountpoint('/srv/my home/u', ['/', '/srv/my home', '/srv/my']), '/srv/my home');
});
