// Electron is pinned to one exact release, not a range: 43.3.0-43.4.x and 44.0.0 shipped tray
// regressions on GNOME (AppIndicator), Cinnamon and XFCE (electron#52674, #53138, #53213), fixed by
// electron#53215 (43.5.0) and #53214 (44.1.0). The 45 line was cut from main after the upstream fix
// (Chromium CL 8272040, in 154.0.8016.0) had reached it, so every 45.x carries it; the pin is the 45.x
// the lockfile holds and docs/desktop-app.md names. A range would let `npm install` move it unseen.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

const ROOT = new URL('../../../../', import.meta.url);
const json = (p: string) => JSON.parse(readFileSync(new URL(p, ROOT), 'utf8')) as Record<string, any>;

test('electron is pinned exactly, to the 45.x the lockfile holds and docs/desktop-app.md names', () => {
  const wanted = json('package.json').devDependencies.electron as string;
  assert.match(wanted, /^45\.\d+\.\d+$/, `an exact 45.x, not a range: ${wanted}`);
  const lock = json('package-lock.json');
  assert.equal(lock.packages[''].devDependencies.electron, wanted);
  assert.equal(lock.packages['node_modules/electron'].version, wanted);
  assert.ok(readFileSync(new URL('docs/desktop-app.md', ROOT), 'utf8').includes(`Electron ${wanted}`), `docs/desktop-app.md names Electron ${wanted}`);
});
