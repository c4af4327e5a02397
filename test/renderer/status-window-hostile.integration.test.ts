// The status window against hostile and awkward data, in Debian's Chromium: mount
// table text that looks like markup, quotes, newlines and bidi overrides; latency that is NaN or a single
// probe; capacity of 0 bytes; groups that come and go (unique ids for aria-labelledby).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { MountStatus } from '../../src/common/mount.js';
import { skipOrFail } from '../support/namespace.js';
import { chromiumUnavailable } from '../support/chromium.js';
import { FakeMonitor, StatusWindowBench, until, type NodeSideApi } from './status-window-harness.js';

const skip = skipOrFail(chromiumUnavailable());
const api = (fake: FakeMonitor, home = '/home/nobody'): NodeSideApi => Object.assign(fake, { homeDirectory: async () => home });

let bench: StatusWindowBench;
before(async () => {
  if (!skip) bench = await StatusWindowBench.start();
});
after(async () => {
  await bench?.close();
});

const MARKUP = '/mnt/<img src=x onerror="window.__pwned=1">\'"&amp;';
const RLO = '/mnt/evil\u202Egnp.exe';
const NEWLINE = '/mnt/a\nb';

test('mount table text never becomes markup; bidi overrides and newlines are shown escaped', { skip }, async () => {
  const now = Date.now();
  const fake = new FakeMonitor([
    { mountpoint: MARKUP, source: '<script>window.__pwned=2</script>:/x', fstype: 'nfs', mountId: 50, state: 'error', errno: 'EIO', message: '<b onmouseover=alert(1)>boom</b>', since: now - 5000 },
    { mountpoint: RLO, source: 'srv\u2067x:/e', fstype: 'nfs', mountId: 51, state: 'ok', since: now - 5000, latencyMs: 1 },
    { mountpoint: NEWLINE, source: 'tmpfs', fstype: 'tmpfs', mountId: 52, state: 'ok', since: now - 5000, latencyMs: 1 },
  ]);
  const w = await bench.open(api(fake));
  const { page } = w;
  const facts = await page.evaluate(() => ({
    pwned: (window as unknown as { __pwned?: number }).__pwned,
    injected: document.querySelectorAll('main img, main script, main b').length,
    keys: Array.from(document.querySelectorAll<HTMLElement>('li.mount')).map((li) => li.dataset.mountpoint),
    shown: Array.from(document.querySelectorAll('li.mount .mountpoint')).map((e) => e.textContent),
    sources: Array.from(document.querySelectorAll('li.mount .source')).map((e) => e.textContent),
  }));
  assert.equal(facts.pwned, undefined);
  assert.equal(facts.injected, 0);
  // The raw path is what a recheck sends; the shown one has no live control characters.
  assert.deepEqual(new Set(facts.keys), new Set([MARKUP, RLO, NEWLINE]));
  assert.ok(facts.shown.includes(MARKUP), 'markup-looking text is shown as text');
  assert.ok(facts.shown.includes('/mnt/evil\\342\\200\\256gnp.exe'), `RLO shown escaped: ${JSON.stringify(facts.shown)}`);
  assert.ok(facts.shown.includes('/mnt/a\\012b'), `newline shown escaped: ${JSON.stringify(facts.shown)}`);
  assert.ok(facts.sources.some((s) => s?.startsWith('srv\\342\\201\\247x:/e')), `bidi isolate in a source shown escaped: ${JSON.stringify(facts.sources)}`);
  for (const text of [await page.textContent('#mounts'), await page.getAttribute(`li.mount[data-key^="51:"]`, 'aria-label')]) {
    assert.doesNotMatch(text ?? '', /[\u202A-\u202E\u2066-\u2069\n]/, `no live bidi control or newline in what is shown or said: ${JSON.stringify(text)}`);
  }
  // Recheck of the RLO mount: the exact path goes to the monitor, the notice shows it escaped.
  await page.click('li.mount[data-key^="51:"] button.recheck');
  await until(page, () => /^Rechecked \/mnt\/evil\\342\\200\\256gnp\.exe\.$/.test(document.getElementById('notice')!.textContent ?? ''), 'escaped notice');
  assert.deepEqual(fake.rechecks, [RLO]);
  // Typing what is shown finds it too.
  await page.fill('#filter', 'a\\012b');
  await until(page, () => document.querySelectorAll('li.mount').length === 1, 'filter by the escaped form');
  await w.close();
});

test('NaN latency, a single probe and a 0-byte filesystem draw without errors', { skip }, async () => {
  const now = Date.now();
  const base = { fstype: 'tmpfs', source: 'tmpfs', state: 'ok' as const, since: now - 60_000 };
  const fake = new FakeMonitor([
    { ...base, mountpoint: '/nan', mountId: 60, latencyMs: Number.NaN, checkedAt: now - 3000 },
    { ...base, mountpoint: '/one', mountId: 61, latencyMs: 2.5, checkedAt: now - 3000 },
    { ...base, mountpoint: '/zero', mountId: 62, latencyMs: 1, checkedAt: now - 3000, capacity: { totalBytes: 0, freeBytes: 0, availBytes: 0, totalInodes: 0, freeInodes: 0 } },
  ]);
  const w = await bench.open(api(fake));
  const { page } = w;
  fake.update({ ...fake.mounts.get(60)!, latencyMs: 3, checkedAt: now - 2000 });
  fake.update({ ...fake.mounts.get(60)!, latencyMs: Number.NaN, checkedAt: now - 1000 });
  fake.update({ ...fake.mounts.get(60)!, latencyMs: 4, checkedAt: now });
  await w.delivered();
  await until(page, () => document.querySelector('li.mount[data-mountpoint="/nan"] .latency-text')?.textContent === '4 ms', 'latest latency');
  const facts = await page.evaluate(() => {
    const svgText = (mp: string) => document.querySelector(`li.mount[data-mountpoint="${mp}"] svg.sparkline`)!.outerHTML;
    return {
      nan: svgText('/nan'),
      one: svgText('/one'),
      oneDots: document.querySelectorAll('li.mount[data-mountpoint="/one"] svg circle').length,
      label: document.querySelector('li.mount[data-mountpoint="/nan"]')!.getAttribute('aria-label'),
      zero: document.querySelector('li.mount[data-mountpoint="/zero"] .capacity-track')!.hasAttribute('hidden'),
    };
  });
  assert.doesNotMatch(facts.nan, /NaN|Infinity/, facts.nan);
  assert.doesNotMatch(facts.label ?? '', /NaN/, facts.label ?? '');
  assert.match(facts.label ?? '', /last 4 probes, 3 ms to 4 ms/);
  assert.doesNotMatch(facts.one, /NaN/);
  assert.ok(facts.oneDots >= 1, 'a single probe is a dot');
  assert.equal(facts.zero, true, 'no meter for a filesystem with no blocks');
  await w.close();
});

test('groups that come and go keep unique heading ids (aria-labelledby stays right)', { skip }, async () => {
  const now = Date.now();
  const m = (id: number, server: string): MountStatus => ({ mountpoint: `/m/${server}`, source: `${server}:/x`, fstype: 'nfs', mountId: id, state: 'ok', since: now, latencyMs: 1 });
  const fake = new FakeMonitor([m(1, 'alpha'), m(2, 'bravo'), m(3, 'charlie')]);
  const w = await bench.open(api(fake));
  const { page } = w;
  fake.emit({ type: 'removed', mountpoint: '/m/alpha' });
  fake.update(m(4, 'delta'));
  await w.delivered();
  await until(page, () => document.querySelectorAll('section.group').length === 3 && !!document.querySelector('section[data-group="server:delta"]'), 'delta shown');
  const labels = await page.evaluate(() =>
    Array.from(document.querySelectorAll('section.group')).map((s) => {
      const id = s.getAttribute('aria-labelledby')!;
      return { group: (s as HTMLElement).dataset.group, idCount: document.querySelectorAll(`[id="${id}"]`).length, label: document.getElementById(id)!.querySelector('.group-title')!.textContent };
    }),
  );
  for (const l of labels) {
    assert.equal(l.idCount, 1, `duplicate id for ${l.group}: ${JSON.stringify(labels)}`);
    assert.equal(`server:${l.label}`, l.group);
  }
  await w.close();
});
