// The helper's .deb for the lab guest: `npm run dist:helper`'s package, built on the host (it fetches
// Node's runtime from the npm registry, and the guest has no network) and handed to the guest by the lab
// suite at GUEST_HELPER_DEB. Building takes minutes (xz over the carried Node), so the package is kept
// under /var/cache/mount-status-monitor-test/helper-deb/, named by a hash of everything dist-helper.js
// packs, and rebuilt only when that changes (one build at a time: other checkouts' suites share the cache).
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where a lab test file finds the package inside the guest. */
export const GUEST_HELPER_DEB = '/lab/files/mount-status-monitor-helper.deb';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CACHE = '/var/cache/mount-status-monitor-test/helper-deb';
/** Packages kept: other checkouts on this machine may be about to hand theirs to a guest. */
const KEEP = 3;
/** What build/deb/dist-helper.js reads: the compiled helper, its programs, the unit, docs, deps' pins. */
const INPUTS = ['dist/src/common', 'dist/src/node', 'dist/src/helper', 'dist/native', 'bin/mountstatus.js', 'build/deb', 'build/service', 'docs', 'README.md', 'Makefile', 'package.json', 'package-lock.json'];

function files(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path).sort().flatMap((name) => files(join(path, name)));
}

function inputsHash(): string {
  const hash = createHash('sha256');
  for (const f of INPUTS.flatMap((p) => files(join(ROOT, p)))) hash.update(`${relative(ROOT, f)}\0`).update(readFileSync(f));
  return hash.digest('hex').slice(0, 16);
}

/** The package built from this checkout's build (`npm run build` first), from the cache when unchanged. */
export function helperDeb(): string {
  const deb = join(CACHE, `${inputsHash()}.deb`);
  if (existsSync(deb)) return deb;
  const out = join(CACHE, 'build');
  mkdirSync(out, { recursive: true });
  const started = Date.now();
  const build = '"$0" "$1" --out "$2" >/dev/null && mv "$2"/mount-status-monitor-helper_*.deb "$3"';
  execFileSync('flock', [join(CACHE, 'lock'), 'sh', '-c', build, process.execPath, join(ROOT, 'build/deb/dist-helper.js'), out, deb], { stdio: ['ignore', 'inherit', 'inherit'], timeout: 15 * 60_000 });
  // The runtime tarball stays in build/cache for the next build.
  const debs = readdirSync(CACHE).filter((f) => f.endsWith('.deb')).map((f) => join(CACHE, f)).sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  for (const old of debs.slice(KEEP)) rmSync(old, { force: true });
  console.log(`# built the helper .deb in ${Math.round((Date.now() - started) / 1000)} s (cached as ${deb})`);
  return deb;
}
