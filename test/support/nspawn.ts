// A live systemd for tests: a Debian 12 tree (scripts/systemd-test-tree.sh, cached under /var/cache)
// booted by systemd-nspawn, and commands run in it by entering its PID 1's namespaces with nsenter.
// This machine has no systemd as PID 1, hence --register=no (no machined) and --keep-unit (no scope to
// ask for). --volatile=overlay puts a tmpfs over the tree, so what a test installs vanishes with the
// container and the cache stays clean. nspawn mounts a tmpfs on the container's /tmp: files to hand
// in are bound read-only at /srv/msm-host instead. Use inside privateMountNamespace().
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** Where Container.binds the host directory inside the container. */
export const HOST_DIR = '/srv/msm-host';
const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface Container {
  /** The container's PID 1, as the host numbers it. */
  pid: number;
  /** Runs a command inside, with a clean environment; never throws for a non-zero exit. */
  run(argv: string[], timeoutMs?: number): Promise<Result>;
  /** `sh -c script` inside. */
  sh(script: string, timeoutMs?: number): Promise<Result>;
  /** Powers the container off (SIGKILL of its PID 1 if that takes too long). Idempotent. */
  stop(): Promise<void>;
  /** nspawn's output: the container's console. */
  console(): string;
}

/** Why a live systemd cannot be had here, or undefined. */
export function nspawnUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (systemd-nspawn)';
  for (const [cmd, pkg] of [['systemd-nspawn', 'systemd-container'], ['debootstrap', 'debootstrap'], ['nsenter', 'util-linux']]) {
    if (spawnSync('sh', ['-c', `command -v ${cmd}`]).status !== 0) return `needs ${cmd} (apt package ${pkg})`;
  }
  return undefined;
}

/** The cached Debian 12 tree, built first when missing or stale (prints how long that took). */
export function systemdTestTree(): string {
  const started = Date.now();
  const r = spawnSync('bash', [join(ROOT, 'scripts/systemd-test-tree.sh')], { encoding: 'utf8', timeout: 20 * 60_000 });
  if (r.status !== 0) throw new Error(`scripts/systemd-test-tree.sh failed (${r.status ?? r.signal}): ${r.stderr}`);
  if (r.stderr.includes('built in')) console.log(`# ${r.stderr.trim().split('\n').pop()} (cold: no cached tree)`);
  else console.log(`# cached Debian 12 tree ready in ${Date.now() - started} ms`);
  return r.stdout.trim();
}

function run(argv: string[], timeoutMs: number): Promise<Result> {
  return new Promise((resolve) => {
    execFile(argv[0]!, argv.slice(1), { encoding: 'utf8', timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : null) : 0;
      resolve({ code, stdout, stderr: stderr + (code === null && err ? `\n${err.message}` : '') });
    });
  });
}

/** The child of nspawn that is the container's init. */
function initOf(nspawnPid: number): number | undefined {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'latin1');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === nspawnPid) return Number(name);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

export async function bootContainer(rootfs: string, hostDir: string, name: string): Promise<Container> {
  const nspawn: ChildProcess = spawn(
    'systemd-nspawn',
    ['--boot', '--register=no', '--keep-unit', '--volatile=overlay', '--console=read-only', `--machine=${name}`, `--bind-ro=${hostDir}:${HOST_DIR}`, '-D', rootfs],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  nspawn.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  nspawn.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => nspawn.once('exit', () => resolve()));
  let pid: number | undefined;
  for (let i = 0; i < 200 && pid === undefined && nspawn.exitCode === null; i++) {
    await sleep(50);
    pid = initOf(nspawn.pid!);
  }
  if (pid === undefined) throw new Error(`systemd-nspawn did not start a container:\n${output}`);
  const init = pid;
  const inside = (argv: string[], timeoutMs = 120_000) =>
    run(['nsenter', '-t', String(init), '-a', 'env', '-i', `PATH=${PATH}`, 'HOME=/root', 'LANG=C.UTF-8', ...argv], timeoutMs);
  let stopping: Promise<void> | undefined;
  const container: Container = {
    pid: init,
    run: inside,
    sh: (script, timeoutMs) => inside(['sh', '-c', script], timeoutMs),
    console: () => output,
    stop: () =>
      (stopping ??= (async () => {
        if (nspawn.exitCode !== null) return;
        await inside(['systemctl', 'poweroff', '--no-block'], 10_000);
        const timer = setTimeout(() => process.kill(init, 'SIGKILL'), 30_000);
        await exited;
        clearTimeout(timer);
      })()),
  };
  // Booted when systemd says so ("running", or "degraded" with a failed unit the test will show).
  // "offline" until systemd listens on its private socket, which `--wait` does not wait for.
  let state: Result = { code: null, stdout: '', stderr: '' };
  for (const end = Date.now() + 90_000; Date.now() < end && nspawn.exitCode === null; ) {
    state = await inside(['systemctl', 'is-system-running', '--wait'], 90_000);
    if (['running', 'degraded'].includes(state.stdout.trim())) break;
    await sleep(200);
  }
  if (!['running', 'degraded'].includes(state.stdout.trim())) {
    await container.stop();
    throw new Error(`container did not boot (${state.stdout.trim()} ${state.stderr}):\n${output}`);
  }
  return container;
}
