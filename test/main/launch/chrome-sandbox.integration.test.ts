// Chromium's sandbox where unprivileged user namespaces are off, tested as an unprivileged
// user (msm-test), never as root: once on this machine as it is, once inside a user namespace of the
// test's own whose user.max_user_namespaces is 0 - a real kernel refusal (ENOSPC), as on systems that set
// that sysctl. There, bin/start.js says what to do and exits 2 instead of starting Electron to die,
// MSM_NO_SANDBOX=1 starts it with --no-sandbox, and the postinst's block (after-install.sh) makes
// chrome-sandbox setuid root; where namespaces work, it leaves it 0755.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sandboxAdvice } from '../../../src/main/chromium-sandbox.js';
import { skipOrFail } from '../../support/namespace.js';
import { ensureTestUser, type TestUser } from '../../support/test-user.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const NOBODY = 65534;
const haveTools = spawnSync('sh', ['-c', 'command -v unshare && command -v setpriv']).status === 0;
const skip = skipOrFail(process.getuid?.() !== 0 ? 'needs root (makes a user namespace with several users mapped)' : !haveTools ? 'unshare or setpriv missing (util-linux)' : undefined);
const usernsNow = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '--', 'unshare', '--user', '--map-root-user', 'true']).status === 0;

let user: TestUser;
let dir: string;
before(() => {
  if (skip) return;
  user = ensureTestUser();
  dir = mkdtempSync(join(tmpdir(), 'msm-tray-sandbox-'));
  chmodSync(dir, 0o755);
});
after(() => {
  if (!skip) rmSync(dir, { recursive: true, force: true });
});

/**
 * Runs `script` (sh) as root inside a new user namespace mapping root, msm-test and nobody to
 * themselves; with `restricted`, user.max_user_namespaces is 0 in it first. Resolves with the output.
 */
function inUserNamespace(script: string, restricted: boolean): Promise<{ code: number | null; out: string }> {
  const limit = restricted ? 'echo 0 > /proc/sys/user/max_user_namespaces || exit 90; ' : '';
  // unshare execs sh before the mapping exists, so that sh has no capabilities in the namespace: it waits
  // for the mapping and execs again, as root with all of them (user_namespaces(7), "Capabilities").
  const inner = `${limit}${script}`;
  const child = spawn('unshare', ['--user', 'sh', '-c', `while [ -z "$(cat /proc/self/uid_map)" ]; do sleep 0.02; done; exec sh -c "$0"`, inner], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const map = (id: number, g: number) => `0 0 1\n${id} ${id} 1\n${g === id ? '' : `${g} ${g} 1\n`}${NOBODY} ${NOBODY} 1\n`;
  setTimeout(() => {
    writeFileSync(`/proc/${child.pid}/uid_map`, map(user.uid, user.uid));
    writeFileSync(`/proc/${child.pid}/gid_map`, map(user.gid, user.gid));
  }, 50);
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, out })));
}

const asUser = () => `setpriv --reuid=${user.uid} --regid=${user.gid} --clear-groups --`;

/** An Electron "dist" for start.js (ELECTRON_OVERRIDE_DIST_PATH): records how it was started. */
function fakeElectron(): string {
  const dist = join(dir, `electron-${Math.random().toString(36).slice(2)}`);
  mkdirSync(dist);
  // start.js names the binary as node_modules/electron/path.txt does, or `electron` without it.
  const pathTxt = join(ROOT, 'node_modules/electron/path.txt');
  const rel = existsSync(pathTxt) ? readFileSync(pathTxt, 'utf8').trim() : 'electron';
  writeFileSync(join(dist, rel), `#!/bin/sh\necho "electron started: $*"\n`);
  chmodSync(join(dist, rel), 0o755);
  writeFileSync(join(dist, 'chrome-sandbox'), '');
  chmodSync(dist, 0o755);
  return dist;
}

test('the advice: nothing to say where namespaces work or the helper is setuid root; what to do otherwise; never as root', () => {
  assert.equal(sandboxAdvice({ uid: 1000, userNamespaces: { ok: true } }), undefined);
  assert.equal(sandboxAdvice({ uid: 1000, userNamespaces: { ok: false, why: 'x' }, helper: { path: '/a/chrome-sandbox', setuidRoot: true } }), undefined);
  const advice = sandboxAdvice({ uid: 1000, userNamespaces: { ok: false, why: 'unshare failed: No space left on device' }, helper: { path: "/o'k/chrome-sandbox", setuidRoot: false } })!;
  assert.match(advice, /uid 1000 cannot create user namespaces \(unshare --user --map-root-user: unshare failed: No space left on device\)/);
  assert.match(advice, /sudo chown root:root '\/o'\\''k\/chrome-sandbox' && sudo chmod 4755/);
  assert.match(advice, /MSM_NO_SANDBOX=1 npm start/);
  assert.match(sandboxAdvice({ uid: 0, userNamespaces: { ok: true } })!, /as your desktop user/);
});

test('start.js as an unprivileged user where namespaces work: Electron starts', { skip: skip || (!usernsNow && 'user namespaces are off for users on this machine') }, async () => {
  const dist = fakeElectron();
  const r = await inUserNamespace(`${asUser()} env -i PATH=/usr/bin:/bin DISPLAY=:99 HOME=${dir} XDG_RUNTIME_DIR=${dir} ELECTRON_OVERRIDE_DIST_PATH=${dist} ${process.execPath} ${ROOT}bin/start.js`, false);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, new RegExp(`electron started: ${ROOT.replace(/\/$/, '')}`));
});

test('start.js as an unprivileged user with namespaces refused: says what to do, exits 2; MSM_NO_SANDBOX=1 starts with --no-sandbox', { skip }, async () => {
  const dist = fakeElectron();
  const run = (extra: string) => inUserNamespace(`${asUser()} env -i PATH=/usr/bin:/bin DISPLAY=:99 HOME=${dir} XDG_RUNTIME_DIR=${dir} ELECTRON_OVERRIDE_DIST_PATH=${dist} ${extra} ${process.execPath} ${ROOT}bin/start.js`, true);
  const refused = await run('');
  assert.equal(refused.code, 2, refused.out);
  assert.match(refused.out, new RegExp(`Chromium's sandbox cannot start here: uid ${user.uid} cannot create user namespaces`));
  assert.match(refused.out, /No space left on device/);
  assert.match(refused.out, new RegExp(`sudo chown root:root '${dist}/chrome-sandbox'`));
  assert.doesNotMatch(refused.out, /electron started/);
  const forced = await run('MSM_NO_SANDBOX=1');
  assert.equal(forced.code, 0, forced.out);
  assert.match(forced.out, /electron started: --no-sandbox /);
});

/** The postinst's chrome-sandbox block, run on a chrome-sandbox of our own; returns its mode and owner. */
async function postinstBlock(restricted: boolean): Promise<{ mode: number; uid: number; out: string }> {
  const text = readFileSync(join(ROOT, 'build/linux/after-install.sh'), 'utf8');
  const block = text.slice(text.indexOf('# --- chrome-sandbox: begin'), text.indexOf('# --- chrome-sandbox: end'));
  assert.ok(block.includes('chmod 4755'), 'the block is in after-install.sh');
  const app = mkdtempSync(join(dir, 'app-'));
  writeFileSync(join(app, 'chrome-sandbox'), '');
  chmodSync(join(app, 'chrome-sandbox'), 0o755);
  spawnSync('chown', [`${user.uid}:${user.gid}`, join(app, 'chrome-sandbox')]);
  writeFileSync(join(app, 'block.sh'), `APP='${app}'\n${block}`);
  const r = await inUserNamespace(`sh ${join(app, 'block.sh')}`, restricted);
  assert.equal(r.code, 0, r.out);
  const st = statSync(join(app, 'chrome-sandbox'));
  return { mode: st.mode & 0o7777, uid: st.uid, out: r.out };
}

test('postinst, decided per install as an unprivileged user: namespaces refused -> chrome-sandbox setuid root', { skip }, async () => {
  const r = await postinstBlock(true);
  assert.equal(r.uid, 0, r.out);
  assert.equal(r.mode, 0o4755, r.out);
});

test('postinst where users may create namespaces: chrome-sandbox stays 0755', { skip: skip || (!usernsNow && 'user namespaces are off for users on this machine') }, async () => {
  const r = await postinstBlock(false);
  assert.equal(r.mode, 0o755, r.out);
});
