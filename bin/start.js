#!/usr/bin/env node
// `npm start`: the tray app where a display and the Electron binary exist, else the live table in the
// terminal, so the README's first command works on a desktop, over ssh and in CI alike.
//
// The Electron binary is found without require('electron'): that module downloads the binary when it
// is missing (node_modules/electron/index.js), which cannot work offline and would hang `npm start`.
// We read the same path.txt it reads and check the file exists.
//   MSM_TERMINAL=1 (or --terminal) forces the terminal view.
//   MSM_NO_SANDBOX=1 starts Electron with --no-sandbox where Chromium's sandbox cannot start (the check
//   below says so and what else to do; src/main/chromium-sandbox.ts).
//   --print-env (the packaged launcher, build/linux/mount-status-monitor): prints the home-free
//   environment as sh `export` lines and exits, so the launcher can exec Electron with it.
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The Electron executable, or undefined when not installed (never triggers its download). */
export function electronBinary(env = process.env) {
  let pkgDir;
  try {
    pkgDir = dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  } catch {
    return undefined;
  }
  const pathFile = join(pkgDir, 'path.txt');
  const rel = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : undefined;
  if (env.ELECTRON_OVERRIDE_DIST_PATH) {
    const p = join(env.ELECTRON_OVERRIDE_DIST_PATH, rel || 'electron');
    return existsSync(p) ? p : undefined;
  }
  if (!rel) return undefined;
  const p = join(pkgDir, 'dist', rel);
  return existsSync(p) ? p : undefined;
}

export function hasDisplay(env = process.env) {
  return Boolean(env.DISPLAY || env.WAYLAND_DISPLAY);
}

/** A module of the built app (dist/src/main/), or exit 2 saying to build. */
async function built(rel) {
  const url = new URL(`../dist/src/main/${rel}`, import.meta.url);
  if (!existsSync(url)) {
    process.stderr.write('mount-status-monitor: not built yet: run `npm run build` first\n');
    process.exit(2);
  }
  return import(url.href);
}

/** `export KEY='value'` for every variable `env` sets or changes, single-quoted for sh. */
export function shellExports(env, from = process.env) {
  const quote = (v) => `'${v.replace(/'/g, `'\\''`)}'`;
  return Object.keys(env)
    .filter((k) => env[k] !== undefined && env[k] !== from[k] && /^[A-Za-z_][A-Za-z0-9_]*$/.test(k))
    .map((k) => `export ${k}=${quote(env[k])}\n`)
    .join('');
}

async function main() {
  if (process.argv.includes('--print-env')) {
    const { prepareElectronEnvironment } = await built('electron-env.js');
    process.stdout.write(shellExports(prepareElectronEnvironment(process.env).env));
    return;
  }
  const forceTerminal = process.argv.includes('--terminal') || process.env.MSM_TERMINAL === '1';
  const electron = electronBinary();
  if (!forceTerminal && hasDisplay() && electron) {
    // HOME, XDG dirs, PATH and cwd off the real home from the first instruction Electron runs
    // (src/main/electron-env.ts says why).
    const { prepareElectronEnvironment } = await built('electron-env.js');
    const { sandboxAdvice, sandboxFacts } = await built('chromium-sandbox.js');
    const args = [root];
    const advice = sandboxAdvice(sandboxFacts(electron));
    if (advice && process.env.MSM_NO_SANDBOX !== '1') {
      process.stderr.write(`mount-status-monitor: ${advice}\n`);
      process.exit(2);
    }
    if (advice) {
      process.stderr.write("mount-status-monitor: MSM_NO_SANDBOX=1: starting Electron without Chromium's sandbox\n");
      args.unshift('--no-sandbox');
    }
    const { env, cwd } = prepareElectronEnvironment(process.env);
    const child = spawn(electron, args, { stdio: 'inherit', env, cwd });
    child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
    for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
    return;
  }
  if (!forceTerminal) {
    const why = !hasDisplay() ? 'no display ($DISPLAY / $WAYLAND_DISPLAY unset)' : 'the Electron binary is not installed';
    process.stderr.write(`mount-status-monitor: ${why}: showing the terminal view\n`);
  }
  const entry = new URL('../dist/src/main/terminal/run-terminal.js', import.meta.url);
  if (!existsSync(entry)) {
    process.stderr.write('mount-status-monitor: not built yet: run `npm run build` first\n');
    process.exit(2);
  }
  const { runTerminal } = await import(entry.href);
  process.exit(await runTerminal());
}

// Run as a program (also through a symlinked directory), not when imported by a test.
if (process.argv[1] && fileURLToPath(import.meta.url) === realpathSync(process.argv[1])) {
  void main();
}
