// The status window at 10,000 mounts, in Debian's Chromium: only the rows near the viewport exist in the
// DOM, and what that could break still works — a row scrolled out and back keeps its state, an update to a
// mount off the screen makes no DOM, the keyboard reaches the last of 10,000, the focus stays on a row a
// live update moves, a row moving above the screen does not shift what is read, screen readers hear each
// row's place in its group. Timings are printed, not asserted.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { MountStatus } from '../../src/common/mount.js';
import type { RecheckResult } from '../../src/common/monitor-api.js';
import { groupMounts } from '../../src/common/status-view/ordering.js';
import { skipOrFail } from '../support/namespace.js';
import { chromiumUnavailable } from '../support/chromium.js';
import { FakeMonitor, StatusWindowBench, until, type NodeSideApi } from './status-window-harness.js';

const skip = skipOrFail(chromiumUnavailable());
const N = 10_000;
/** Far fewer than N: a viewport of 720 px and an overscan of a viewport each side hold some 50 rows. */
const MOST_ROWS_DRAWN = 200;

function manyMounts(now: number): MountStatus[] {
  return Array.from({ length: N }, (_, i): MountStatus => {
    const local = i % 50 === 49;
    return {
      mountpoint: local ? `/run/pods/vol${i}` : `/srv/vol${i}`,
      source: local ? 'tmpfs' : `nfs${i % 40}:/export/vol${i}`,
      fstype: local ? 'tmpfs' : 'nfs4',
      mountId: 1000 + i,
      state: i % 97 === 0 ? 'hung' : 'ok',
      since: now - 60_000,
      latencyMs: 1 + (i % 7),
      checkedAt: now - 1000,
      capacity: { totalBytes: 1e12, freeBytes: 4e11, availBytes: 3.8e11, totalInodes: 1e6, freeInodes: 5e5 },
    };
  });
}

/** The mountpoints in the order the window lists them. */
const listed = (mounts: MountStatus[]): string[] => groupMounts(mounts, undefined).flatMap((g) => g.rows.map((r) => r.status.mountpoint));

const api = (fake: FakeMonitor): NodeSideApi => Object.assign(fake, { homeDirectory: async () => '/home/nobody' });
const rowsInDom = (page: Page) => page.evaluate(() => document.querySelectorAll('li.mount').length);
const focusedMount = (page: Page) => page.evaluate(() => (document.activeElement as HTMLElement | null)?.closest<HTMLElement>('li.mount')?.dataset.mountpoint);
/** Two frames: a pushed change rendered, and a scroll's redraw done. */
const frames = (page: Page) => page.evaluate(() => new Promise<void>((r) => requestAnimationFrame(() => requestAnimationFrame(() => r()))));

let bench: StatusWindowBench;
before(async () => {
  if (!skip) bench = await StatusWindowBench.start();
});
after(async () => {
  await bench?.close();
});

test('10,000 mounts: the rows near the viewport are drawn, problems first, each with its place in its group', { skip, timeout: 120_000 }, async () => {
  const mounts = manyMounts(Date.now());
  const order = listed(mounts);
  const t0 = Date.now();
  const w = await bench.open(api(new FakeMonitor(mounts)));
  const openMs = Date.now() - t0;
  const { page } = w;
  const drawn = await rowsInDom(page);
  assert.ok(drawn > 5 && drawn < MOST_ROWS_DRAWN, `${drawn} rows in the DOM`);
  assert.match((await page.textContent('#summary')) ?? '', /^10000 mounts · 104 dead · /);
  const first = await page.$$eval('li.mount', (els) => els.slice(0, 3).map((li) => ({ mp: (li as HTMLElement).dataset.mountpoint, state: (li as HTMLElement).dataset.state, pos: li.getAttribute('aria-posinset'), size: li.getAttribute('aria-setsize') })));
  assert.deepEqual(first.map((r) => r.mp), order.slice(0, 3));
  assert.equal(first[0]!.state, 'hung', 'a group with problems first, its problem mounts first');
  assert.deepEqual([first[0]!.pos, first[0]!.size], ['1', String(groupMounts(mounts, undefined)[0]!.rows.length)]);
  // The page is as tall as every row would make it: the scroll bar says where one is in 10,000.
  const height = await page.evaluate(() => document.getElementById('mounts')!.getBoundingClientRect().height);
  assert.ok(height > N * 40, `list height ${height} px`);
  console.log(`# 10,000 mounts: window open and drawn ${openMs} ms (snapshot through the test's binding), ${drawn} rows in the DOM`);
  await w.close();
});

test('10,000 mounts: the keyboard reaches the last row and comes back; the DOM stays small', { skip, timeout: 120_000 }, async () => {
  const mounts = manyMounts(Date.now());
  const order = listed(mounts);
  const w = await bench.open(api(new FakeMonitor(mounts)));
  const { page } = w;
  await page.focus('#filter');
  await page.keyboard.press('ArrowDown');
  assert.equal(await focusedMount(page), order[0]);
  await page.keyboard.press('End');
  assert.equal(await focusedMount(page), order[N - 1], 'End: the last of 10,000');
  const last = await page.evaluate(() => {
    const li = document.activeElement as HTMLElement;
    const r = li.getBoundingClientRect();
    return { pos: li.getAttribute('aria-posinset'), size: li.getAttribute('aria-setsize'), tabIndex: li.tabIndex, visible: r.top >= 0 && r.bottom <= innerHeight };
  });
  assert.equal(last.pos, last.size, 'the last of its group');
  assert.equal(last.tabIndex, 0);
  assert.ok(last.visible, 'scrolled into view');
  await page.keyboard.press('ArrowUp');
  assert.equal(await focusedMount(page), order[N - 2]);
  await page.keyboard.press('Home');
  assert.equal(await focusedMount(page), order[0], 'Home: the first again');
  for (let i = 0; i < 60; i++) await page.keyboard.press('ArrowDown');
  assert.equal(await focusedMount(page), order[60], 'Arrow Down past the rows first drawn');
  await frames(page);
  assert.ok((await rowsInDom(page)) < MOST_ROWS_DRAWN);
  assert.equal(await page.evaluate(() => document.querySelectorAll('li.mount[tabindex="0"]').length), 1, 'one tab stop');
  await w.close();
});

test('a row scrolled out and back keeps its state: a recheck under way, its sparkline, the tab stop', { skip, timeout: 120_000 }, async () => {
  const mounts = manyMounts(Date.now());
  const order = listed(mounts);
  const fake = new FakeMonitor(mounts);
  let answer: (r: RecheckResult) => void = () => undefined;
  const w = await bench.open(Object.assign(api(fake), { recheck: (m?: string) => new Promise<RecheckResult>((r) => (answer = () => r({ started: m ? [m] : [], skipped: [] }))) }));
  const { page } = w;
  // An answering mount near the top: more probes that answer leave it where it is.
  const status = order.slice(0, 10).map((mp) => mounts.find((m) => m.mountpoint === mp)!).find((m) => m.state === 'ok')!;
  const target = status.mountpoint;
  for (const [i, ms] of [3, 5, 2, 9].entries()) fake.update({ ...status, state: 'ok', latencyMs: ms, checkedAt: Date.now() + i });
  await w.delivered();
  const row = `li.mount[data-mountpoint="${target}"]`;
  await until(page, () => document.querySelectorAll('li.mount .spark-line').length > 0, 'sparkline drawn');
  await page.click(`${row} button.recheck`);
  await until(page, () => document.querySelector('li.mount button.recheck:disabled') !== null, 'recheck under way');
  const shown = () =>
    page.$eval(row, (li) => ({
      button: li.querySelector('button.recheck')!.textContent,
      disabled: (li.querySelector('button.recheck') as HTMLButtonElement).disabled,
      spark: li.querySelectorAll('.spark-line').length,
      label: li.getAttribute('aria-label'),
      tabIndex: (li as HTMLElement).tabIndex,
    }));
  const before = await shown();
  assert.deepEqual([before.button, before.disabled, before.spark, before.tabIndex], ['Checking…', true, 1, 0]);

  await page.evaluate(() => scrollTo(0, document.body.scrollHeight));
  await page.waitForFunction((sel) => document.querySelector(sel) === null && document.querySelectorAll('li.mount').length > 0, row, { timeout: 15_000, polling: 50 });
  await page.evaluate(() => scrollTo(0, 0));
  await until(page, () => document.querySelectorAll('li.mount').length > 0 && document.querySelector('li.mount button.recheck:disabled') !== null, 'scrolled back');
  assert.deepEqual(await shown(), before, 'drawn again as it was');
  answer({ started: [target], skipped: [] });
  await until(page, () => (document.getElementById('notice')!.textContent ?? '').startsWith('Rechecked'), 'recheck answered');
  assert.equal((await shown()).button, 'Recheck');
  await w.close();
});

test('an update to a mount off the screen makes no DOM; the row shows it once scrolled to', { skip, timeout: 120_000 }, async () => {
  const mounts = manyMounts(Date.now());
  const order = listed(mounts);
  const fake = new FakeMonitor(mounts);
  const w = await bench.open(api(fake));
  const { page } = w;
  const target = order[N - 1]!;
  await page.evaluate(() => {
    const w = window as unknown as { __added: string[] };
    w.__added = [];
    new MutationObserver((records) => {
      for (const r of records) for (const n of Array.from(r.addedNodes)) if (n instanceof HTMLElement) w.__added.push(...[n, ...Array.from(n.querySelectorAll("li.mount"))].flatMap((e) => (e as HTMLElement).dataset.mountpoint ?? []));
    }).observe(document.getElementById('mounts')!, { childList: true, subtree: true });
  });
  const drawnBefore = await rowsInDom(page);
  const status = mounts.find((m) => m.mountpoint === target)!;
  fake.update({ ...status, latencyMs: 77, checkedAt: Date.now() });
  await w.delivered();
  await frames(page);
  assert.deepEqual(await page.evaluate(() => (window as unknown as { __added: string[] }).__added), [], 'no row made');
  assert.equal(await rowsInDom(page), drawnBefore);
  await page.focus('li.mount');
  await page.keyboard.press('End');
  assert.equal(await page.textContent(`li.mount[data-mountpoint="${target}"] .latency-text`), '77 ms');
  await w.close();
});

test('10,000 mounts: focus stays on a row a live update moves; update, filter and clock timings', { skip, timeout: 120_000 }, async () => {
  const mounts = manyMounts(Date.now());
  const fake = new FakeMonitor(mounts);
  const w = await bench.open(api(fake));
  const { page } = w;
  // Well into a group, so the row's move to the top of it (thousands of px up) leaves room to scroll.
  await page.evaluate(() => scrollTo(0, 20_000));
  await frames(page);
  const okRow = await page.$$eval('li.mount[data-state="ok"]', (els) => (els.find((e) => e.getBoundingClientRect().top > 300) as HTMLElement).dataset.mountpoint!);
  await page.$eval(`li.mount[data-mountpoint="${okRow}"]`, (li) => (li as HTMLElement).focus());
  const top = () => page.$eval(`li.mount[data-mountpoint="${okRow}"]`, (li) => li.getBoundingClientRect().top);
  const topBefore = await top();
  const t1 = Date.now();
  fake.update({ ...mounts.find((m) => m.mountpoint === okRow)!, state: 'hung', since: Date.now() });
  await w.delivered();
  await until(page, () => document.activeElement?.getAttribute('data-state') === 'hung', 'live update');
  const updateMs = Date.now() - t1;
  assert.equal(await focusedMount(page), okRow, 'focus survives a live update that moves the row');
  const topAfter = await top();
  // Within the rounding of a scroll position to whole pixels.
  assert.ok(Math.abs(topAfter - topBefore) <= 2, `the focused row stays where it was on the screen (${topBefore} → ${topAfter} px)`);
  const filterMs = await page.evaluate(() => {
    const t = performance.now();
    const input = document.getElementById('filter') as HTMLInputElement;
    input.value = 'vol19';
    input.dispatchEvent(new Event('input'));
    return performance.now() - t;
  });
  assert.ok((await page.$$eval('li.mount', (els) => els.every((e) => (e as HTMLElement).dataset.mountpoint!.includes('vol19')))), 'the filter applies');
  const tickMs = await page.evaluate(async () => {
    const input = document.getElementById('filter') as HTMLInputElement;
    input.value = '';
    input.dispatchEvent(new Event('input'));
    await new Promise((r) => setTimeout(r, 1500));
    return new Promise<number>((resolve) => {
      let max = 0;
      const obs = new PerformanceObserver((list) => {
        for (const e of list.getEntries()) max = Math.max(max, e.duration);
      });
      obs.observe({ type: 'longtask' });
      setTimeout(() => {
        obs.disconnect();
        resolve(max);
      }, 3200);
    });
  });
  console.log(`# 10,000 mounts: live update delivered and drawn ${updateMs} ms, filter keystroke render ${filterMs.toFixed(1)} ms, longest task over 3 clock ticks ${tickMs.toFixed(1)} ms`);
  await w.close();
});

test('scrolled, without focus: a row moving from below the screen to above it does not shift what is shown', { skip, timeout: 120_000 }, async () => {
  const mounts = manyMounts(Date.now());
  const fake = new FakeMonitor(mounts);
  const w = await bench.open(api(fake));
  const { page } = w;
  await page.evaluate(() => scrollTo(0, 20_000));
  await frames(page);
  const shown = await page.$$eval('li.mount', (els) => {
    const li = els.find((e) => e.getBoundingClientRect().top > 200) as HTMLElement;
    return { mountpoint: li.dataset.mountpoint!, top: li.getBoundingClientRect().top, group: li.closest<HTMLElement>('section')!.dataset.group! };
  });
  // The last mount of the same group turns hung: it moves to the group's top, far above the screen.
  const group = groupMounts(mounts, undefined).find((g) => g.key === shown.group)!;
  const moving = group.rows.at(-1)!.status;
  fake.update({ ...moving, state: 'hung', since: Date.now() });
  await w.delivered();
  await until(page, () => (document.getElementById('summary')!.textContent ?? '').includes('105 dead'), 'the update drawn');
  await frames(page);
  const top = await page.$eval(`li.mount[data-mountpoint="${shown.mountpoint}"]`, (li) => li.getBoundingClientRect().top);
  assert.ok(Math.abs(top - shown.top) <= 2, `the row read stays put (${shown.top} → ${top} px)`);
  await w.close();
});
