// The status window in Debian's Chromium, fed by a fake MonitorApi the test controls: rendering and
// grouping, live updates, filter, keyboard, recheck, themes and accessibility. Screenshots go to
// test-artifacts/ (status-window-light.png, status-window-dark.png).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { MountStatus } from '../../src/common/mount.js';
import { skipOrFail } from '../support/namespace.js';
import { chromiumUnavailable } from '../support/chromium.js';
import { ARTIFACTS, FakeMonitor, StatusWindowBench, until, type NodeSideApi } from './status-window-harness.js';

const skip = skipOrFail(chromiumUnavailable());
const GiB = 1024 ** 3;
const HOME = '/home/alice';

function fixture(now: number): MountStatus[] {
  const cap = (total: number, usedFraction: number) => ({
    totalBytes: total * GiB,
    freeBytes: total * (1 - usedFraction) * GiB,
    availBytes: total * (1 - usedFraction) * GiB * 0.95,
    totalInodes: 1e6,
    freeInodes: 5e5,
  });
  return [
    { mountpoint: '/', source: '/dev/vda1', fstype: 'ext4', mountId: 21, state: 'ok', since: now - 3 * 86400_000, latencyMs: 0.3, checkedAt: now - 2000, capacity: cap(40, 0.62) },
    { mountpoint: '/tmp', source: 'tmpfs', fstype: 'tmpfs', mountId: 25, state: 'ok', since: now - 7200_000, latencyMs: 0.2, checkedAt: now - 2000, capacity: cap(2, 0.05) },
    { mountpoint: '/home', source: 'nfs1:/export/home', fstype: 'nfs4', mountId: 40, state: 'ok', since: now - 3600_000, latencyMs: 4.2, checkedAt: now - 2000, capacity: cap(2048, 0.71) },
    { mountpoint: '/proj', source: 'nfs1:/export/proj', fstype: 'nfs4', mountId: 41, state: 'hung', since: now - 180_000, checkedAt: now - 2000, probePid: 30686, capacity: cap(8192, 0.93) },
    { mountpoint: '/mnt/scratch', source: 'nfs2:/scratch', fstype: 'nfs', mountId: 42, state: 'stuck', since: now - 300_000, stuckForMs: 120_000, probePid: 30702 },
    { mountpoint: '/srv/share', source: '//fileserver/share', fstype: 'cifs', mountId: 43, state: 'error', errno: 'ENOTCONN', since: now - 45_000, latencyMs: 1.1, checkedAt: now - 2000 },
    { mountpoint: '/srv/locked', source: '//fileserver/locked', fstype: 'cifs', mountId: 44, state: 'denied', message: 'mode 000 does not allow access', since: now - 600_000, latencyMs: 0.8, checkedAt: now - 2000 },
    { mountpoint: '/home/alice/remote', source: 'alice@build-box:/srv', fstype: 'fuse.sshfs', mountId: 45, state: 'ok', since: now - 900_000, latencyMs: 38, checkedAt: now - 2000, capacity: cap(500, 0.985) },
  ];
}

function nodeApi(fake: FakeMonitor, home = HOME): NodeSideApi {
  return Object.assign(fake, { homeDirectory: async () => home });
}

let bench: StatusWindowBench;
before(async () => {
  if (!skip) bench = await StatusWindowBench.start();
});
after(async () => {
  await bench?.close();
});

test('shows every mount grouped by server, home pinned on top, problems in words', { skip }, async () => {
  const now = Date.now();
  const fake = new FakeMonitor(fixture(now));
  fake.lastSweep = { checked: 8, dead: 3, seconds: 10, finishedAt: now - 5000 };
  // A few probes of history for /home, so its sparkline has a line (the window keeps history itself).
  const w = await bench.open(nodeApi(fake));
  const home = fake.mounts.get(40)!;
  for (const [i, ms] of [3.1, 5.8, 2.4, 9.5, 4.0].entries()) fake.update({ ...home, latencyMs: ms, checkedAt: now + i });
  await w.delivered();
  const { page } = w;
  await until(page, () => document.querySelectorAll('li.mount[data-mountpoint="/home"] .spark-line').length === 1, 'sparkline drawn');

  const groups = await page.$$eval('section.group', (els) => els.map((e) => (e as HTMLElement).dataset.group));
  assert.deepEqual(groups, ['home', 'server:nfs1', 'server:nfs2', 'server:fileserver', 'server:build-box', 'local']);
  const order = await page.$$eval('li.mount', (els) => els.map((e) => (e as HTMLElement).dataset.mountpoint));
  assert.deepEqual(order, ['/home', '/proj', '/mnt/scratch', '/srv/share', '/srv/locked', '/home/alice/remote', '/', '/tmp']);

  const row = async (mp: string) =>
    page.$eval(`li.mount[data-mountpoint="${mp}"]`, (li) => ({
      badge: li.querySelector('.badge')!.textContent,
      since: li.querySelector('.since')!.textContent,
      problem: li.querySelector('.problem')!.textContent,
      latency: li.querySelector('.latency-text')!.textContent,
      capacity: li.querySelector('.capacity-track')!.getAttribute('aria-valuenow'),
      label: li.getAttribute('aria-label'),
    }));
  const proj = await row('/proj');
  assert.equal(proj.badge, 'Hung');
  assert.match(proj.since ?? '', /^Hung since \d{1,2}:\d\d/);
  assert.equal(proj.problem, 'server nfs1 not responding for 3 min');
  assert.equal(proj.latency, 'no answer');
  assert.equal(proj.capacity, '93');
  assert.equal((await row('/srv/share')).problem, 'ENOTCONN: transport endpoint is not connected');
  assert.equal((await row('/srv/locked')).problem, 'mode 000 does not allow access');
  assert.equal((await row('/mnt/scratch')).problem, 'probe (pid 30702) stuck for 2 min after SIGKILL');
  const homeRow = await row('/home');
  assert.equal(homeRow.latency, '4 ms');
  assert.match(homeRow.label ?? '', /^\/home \(home directory\); nfs1:\/export\/home, nfs4; OK for 1 h; latency 4 ms; last 6 probes/);
  const summary = await page.textContent('#summary');
  assert.match(summary ?? '', /^8 mounts · 3 dead · last sweep \d+ s ago · checked by system helper \(pid 4321, v0\.1\.0\)$/);
  await page.screenshot({ path: `${ARTIFACTS}status-window-light.png`, fullPage: true });
  await w.close();
});

test('updates live from pushed changes and announces state changes', { skip }, async () => {
  const now = Date.now();
  const fake = new FakeMonitor(fixture(now));
  const w = await bench.open(nodeApi(fake));
  const { page } = w;
  const home = fake.mounts.get(40)!;
  fake.update({ ...home, state: 'hung', since: Date.now(), checkedAt: Date.now() });
  await w.delivered();
  await until(page, () => document.querySelector<HTMLElement>('li.mount[data-mountpoint="/home"]')?.dataset.state === 'hung', '/home shown hung');
  await until(page, () => /^\/home is now Hung: server nfs1 not responding for \d+ s$/.test(document.getElementById('announcer')!.textContent ?? ''), 'live region announcement');
  assert.equal(await page.$$eval('li.mount[data-mountpoint="/home"] .spark-fail', (e) => e.length), 1, 'the failed probe is marked in the sparkline');
  assert.equal(await page.getAttribute('section[data-group="home"]', 'data-problems'), 'true');

  fake.emit({ type: 'removed', mountpoint: '/tmp' });
  fake.update({ mountpoint: '/media/usb', source: '/dev/sdb1', fstype: 'vfat', mountId: 77, state: 'ok', since: Date.now(), latencyMs: 2, checkedAt: Date.now() });
  fake.emit({ type: 'sweep', summary: { checked: 8, dead: 4, seconds: 3, finishedAt: Date.now() } });
  await w.delivered();
  await until(page, () => !document.querySelector('li.mount[data-mountpoint="/tmp"]') && !!document.querySelector('section[data-group="local"] li.mount[data-mountpoint="/media/usb"]'), 'removed and added mounts');
  await until(page, () => /^8 mounts · 4 dead · last sweep \d+ s ago/.test(document.getElementById('summary')!.textContent ?? ''), 'summary after sweep');
  await w.close();
});

test("an answering NFS mount whose server degrades: a Degrading badge and its reason; slow takes over as before", { skip }, async () => {
  const now = Date.now();
  const fake = new FakeMonitor(fixture(now));
  const w = await bench.open(nodeApi(fake));
  const { page } = w;
  const home = fake.mounts.get(40)!;
  fake.update({ ...home, degrading: { reason: 'RPC round trip 214 ms, usually 7.9 ms', since: now } });
  await w.delivered();
  const shown = () =>
    page.$eval('li.mount[data-mountpoint="/home"]', (li) => ({ badge: li.querySelector('.badge')!.textContent, problem: li.querySelector('.problem')!.textContent, degrading: (li as HTMLElement).dataset.degrading ?? null }));
  await until(page, () => document.querySelector<HTMLElement>('li.mount[data-mountpoint="/home"]')?.dataset.degrading === 'true', '/home shown degrading');
  assert.deepEqual(await shown(), { badge: 'Degrading', problem: 'server nfs1 responding slowly: RPC round trip 214 ms, usually 7.9 ms', degrading: 'true' });
  const colours = await page.$eval('li.mount[data-mountpoint="/home"] .badge', (b) => getComputedStyle(b).backgroundColor);
  const slowColours = await page.$eval('li.mount[data-mountpoint="/srv/locked"] .badge', (b) => getComputedStyle(b).backgroundColor);
  assert.equal(colours, slowColours, 'the warning colours of a slow or denied mount');
  fake.update({ ...home, state: 'slow', since: Date.now(), degrading: { reason: 'RPC round trip 214 ms, usually 7.9 ms', since: now } });
  await w.delivered();
  await until(page, () => document.querySelector<HTMLElement>('li.mount[data-mountpoint="/home"]')?.dataset.state === 'slow', '/home shown slow');
  const slow = await shown();
  assert.equal(slow.badge, 'Slow');
  assert.equal(slow.degrading, null);
  await w.close();
});

test('filter box narrows the list; Escape clears it', { skip }, async () => {
  const fake = new FakeMonitor(fixture(Date.now()));
  const w = await bench.open(nodeApi(fake));
  const { page } = w;
  await page.fill('#filter', 'fileserver');
  await until(page, () => document.querySelectorAll('li.mount').length === 2, 'two fileserver mounts');
  await page.fill('#filter', 'nfs1 hung');
  await until(page, () => document.querySelectorAll('li.mount').length === 1, 'one hung nfs1 mount');
  assert.equal(await page.getAttribute('li.mount', 'data-mountpoint'), '/proj');
  await page.fill('#filter', 'no-such-thing');
  await until(page, () => !document.getElementById('empty')!.hidden, 'empty message');
  assert.match((await page.textContent('#empty')) ?? '', /No mount matches “no-such-thing”/);
  await page.press('#filter', 'Escape');
  await until(page, () => document.querySelectorAll('li.mount').length === 8, 'all mounts back');
  await w.close();
});

test('keyboard: one tab stop for the list, arrows move, Enter rechecks', { skip }, async () => {
  const fake = new FakeMonitor(fixture(Date.now()));
  const w = await bench.open(nodeApi(fake));
  const { page } = w;
  const focused = () => page.evaluate(() => {
    const a = document.activeElement as HTMLElement | null;
    return a?.id || (a?.closest('li.mount') as HTMLElement | null)?.dataset.mountpoint + (a?.tagName === 'BUTTON' ? ' button' : '');
  });
  await page.focus('#filter');
  await page.keyboard.press('Tab');
  assert.equal(await focused(), 'recheck-all');
  await page.keyboard.press('Tab');
  assert.equal(await focused(), '/home', 'the first row (home) is the list tab stop');
  await page.keyboard.press('ArrowDown');
  assert.equal(await focused(), '/proj');
  await page.keyboard.press('End');
  assert.equal(await focused(), '/tmp');
  await page.keyboard.press('ArrowUp');
  assert.equal(await focused(), '/');
  await page.keyboard.press('Enter');
  await until(page, () => /Rechecked \//.test(document.getElementById('notice')!.textContent ?? ''), 'recheck notice');
  assert.deepEqual(fake.rechecks, ['/']);
  await page.keyboard.press('Tab');
  assert.equal(await focused(), '/ button', "Tab goes to the current row's Recheck button");
  await page.keyboard.press('Tab');
  assert.notEqual((await focused())?.startsWith('/'), true, 'the next Tab leaves the list');
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('Shift+Tab');
  assert.equal(await focused(), '/', 'coming back lands on the row last used');
  await page.keyboard.press('Home');
  assert.equal(await focused(), '/home');
  await page.focus('#filter');
  await page.keyboard.press('ArrowDown');
  assert.equal(await focused(), '/home', 'Arrow Down from the filter enters the list');
  await w.close();
});

test('recheck buttons: one mount and all, with the skipped ones said', { skip }, async () => {
  const fake = new FakeMonitor(fixture(Date.now()));
  fake.recheckResult = (m) => (m ? { started: [m], skipped: [] } : { started: ['/', '/tmp'], skipped: [{ mountpoint: '/mnt/scratch', reason: 'stuck' }] });
  const w = await bench.open(nodeApi(fake));
  const { page } = w;
  await page.click('li.mount[data-mountpoint="/srv/share"] button.recheck');
  await until(page, () => document.getElementById('notice')!.textContent === 'Rechecked /srv/share.', 'one recheck');
  await page.click('#recheck-all');
  await until(page, () => document.getElementById('notice')!.textContent === 'Rechecked 2 mounts; /mnt/scratch skipped (stuck).', 'recheck all');
  assert.deepEqual(fake.rechecks, ['/srv/share', undefined]);
  assert.equal(await page.getAttribute('li.mount[data-mountpoint="/srv/share"] button.recheck', 'aria-label'), 'Recheck /srv/share');
  await w.close();
});

test('dark theme from the system and from the toggle', { skip }, async () => {
  const fake = new FakeMonitor(fixture(Date.now()));
  const w = await bench.open(nodeApi(fake), { colorScheme: 'dark' });
  const { page } = w;
  const bg = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.equal(await bg(), 'rgb(21, 24, 30)', 'dark when the system prefers dark');
  await page.screenshot({ path: `${ARTIFACTS}status-window-dark.png`, fullPage: true });
  await page.click('#theme'); // auto → light
  assert.equal(await bg(), 'rgb(246, 247, 249)');
  assert.equal(await page.textContent('#theme'), 'Theme: light');
  await page.emulateMedia({ colorScheme: 'light' });
  await page.click('#theme'); // light → dark, against a light system
  assert.equal(await bg(), 'rgb(21, 24, 30)');
  await page.click('#theme'); // dark → auto
  await page.evaluate(() => localStorage.clear());
  await w.close();
});

test('accessibility: roles, names, live region, and a CSP that blocks inline script', { skip }, async () => {
  const fake = new FakeMonitor(fixture(Date.now()));
  const w = await bench.open(nodeApi(fake));
  const { page } = w;
  const a11y = await page.evaluate(() => ({
    csp: document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute('content'),
    inlineScripts: Array.from(document.scripts).filter((s) => !s.src).length,
    live: [document.getElementById('announcer')!.getAttribute('role'), document.getElementById('announcer')!.getAttribute('aria-live')],
    lists: Array.from(document.querySelectorAll('section.group')).map((s) => [s.getAttribute('aria-labelledby') === s.querySelector('h2')!.id, s.querySelector('ul')!.getAttribute('role')]),
    unlabelledRows: Array.from(document.querySelectorAll('li.mount')).filter((li) => !li.getAttribute('aria-label')).length,
    unlabelledButtons: Array.from(document.querySelectorAll('button')).filter((b) => !(b.getAttribute('aria-label') || b.textContent?.trim())).length,
    meters: Array.from(document.querySelectorAll('[role=meter]:not([hidden])')).every((m) => m.getAttribute('aria-valuetext')?.includes('% used')),
    filterLabel: (document.getElementById('filter') as HTMLInputElement).labels?.[0]?.textContent?.trim(),
  }));
  assert.equal(a11y.csp, "default-src 'self'; script-src 'self'");
  assert.equal(a11y.inlineScripts, 0);
  assert.deepEqual(a11y.live, ['status', 'polite']);
  assert.ok(a11y.lists.every(([labelled, role]) => labelled === true && role === 'list'));
  assert.equal(a11y.unlabelledRows, 0);
  assert.equal(a11y.unlabelledButtons, 0);
  assert.ok(a11y.meters);
  assert.equal(a11y.filterLabel, 'Filter mounts');
  // The CSP is really in force: an injected inline script does not run.
  const ran = await page.evaluate(async () => {
    const s = document.createElement('script');
    s.textContent = 'window.__inlineRan = true';
    document.body.append(s);
    await new Promise((r) => setTimeout(r, 100));
    return (window as unknown as { __inlineRan?: boolean }).__inlineRan === true;
  });
  assert.equal(ran, false);
  const snapshot = await page.locator('main').ariaSnapshot();
  assert.match(snapshot, /- heading "Home directory 1 mount" \[level=2\]/);
  assert.match(snapshot, /- listitem "\/proj; nfs1:\/export\/proj, nfs4; Hung since [^;]+; server nfs1 not responding for 3 min; latency no answer;/);
  await page.close(); // (the expected CSP refusal is logged as a console error, so not w.close())
});
