// Shared by the packaging tests: the repository root, running real tools, `make install` into a
// temporary tree, and electron-builder's unpacked (`dir`) target with a stand-in Electron.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, lstatSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** dist/test/build/x.js -> the repository root. */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a real command to completion; the generous timeout only guards against a hang. */
export function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Run {
  const r: SpawnSyncReturns<string> = spawnSync(cmd, args, {
    cwd: opts.cwd ?? ROOT,
    env: opts.env ?? process.env,
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 120_000,
  });
  if (r.error) throw new Error(`${cmd} ${args.join(' ')}: ${r.error.message}`);
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Whether a command is on the PATH (for the skip reason). */
export function have(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).status === 0;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Every file and symlink under dir, relative, sorted (directories themselves are not listed). */
export function listFiles(dir: string, base = dir): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = lstatSync(p);
    if (st.isDirectory()) out.push(...listFiles(p, base));
    else out.push(p.slice(base.length + 1));
  }
  return out.sort();
}

/**
 * A stand-in for the Electron distribution (electron-builder's `electronDist`): an `electron`
 * executable that refuses to run unless started as Node (ELECTRON_RUN_AS_NODE=1), then runs Node.
 * The real zip (electron-v<version>-linux-x64.zip) comes from github.com, which this machine cannot
 * reach; the stand-in lets electron-builder lay the package out exactly as it would around Electron.
 */
export function standInElectronDist(): string {
  const dir = tempDir('msm-electron-dist-');
  mkdirSync(join(dir, 'resources'));
  const exe = join(dir, 'electron');
  writeFileSync(
    exe,
    `#!/bin/sh\n[ "$ELECTRON_RUN_AS_NODE" = 1 ] || { echo "stand-in electron: not started as Node" >&2; exit 97; }\nexec ${JSON.stringify(process.execPath)} "$@"\n`,
  );
  chmodSync(exe, 0o755);
  return dir;
}

/** `electron-builder --linux dir` with our config; returns <out>/linux-unpacked. */
export function buildUnpacked(outDir: string, electronDist: string): { dir: string; result: Run } {
  const result = run(
    process.execPath,
    [
      join(ROOT, 'node_modules/electron-builder/cli.js'),
      '--config', 'build/electron-builder.yml',
      '--linux', 'dir',
      `-c.directories.output=${outDir}`,
      `-c.electronDist=${electronDist}`,
    ],
    { timeoutMs: 300_000, env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' } },
  );
  return { dir: join(outDir, 'linux-unpacked'), result };
}

export function removeTree(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
