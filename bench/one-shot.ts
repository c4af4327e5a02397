// The commands a script or a monitoring plugin runs, timed from outside as they ship (the `mountstatus`
// binary with its shebang's V8 flags): a one-shot `check --json` over the bench's mounts, and
// `status --json` asking a running daemon. Start-up (Node and the modules, a `check` over no mount) is
// measured the same way and reported apart, so it can be subtracted.
import { spawn, spawnSync } from 'node:child_process';
import { cpuSinceMs, cpuSnapshot } from './measure.js';

export interface CommandRun {
  wallMs: number;
  /** The command's CPU and that of everything it started and reaped (probe server, workers, children). */
  cpuMs: number;
}

/** Runs `node [flags] bin args...` to its end and returns its wall time and whole CPU. */
function timeCommand(nodeFlags: string[], bin: string, args: string[]): CommandRun {
  const cpu0 = cpuSnapshot();
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [...nodeFlags, bin, ...args], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const wallMs = performance.now() - t0;
  if (r.status !== 0) throw new Error(`mountstatus ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return { wallMs, cpuMs: cpuSinceMs(cpu0).childrenMs };
}

/** Its wall time only, not blocking the event loop (a daemon of ours is serving meanwhile). */
export function wallOfCommand(nodeFlags: string[], bin: string, args: string[]): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeFlags, bin, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
    child.on('error', reject);
    child.on('exit', (code) => {
      const wallMs = performance.now() - t0;
      if (code !== 0) reject(new Error(`mountstatus ${args.join(' ')} exited ${code}: ${err}`));
      else resolve(wallMs);
    });
  });
}

/** `check --json` over the include glob, and over nothing (start-up), `repeats` times each, alternated. */
export function runOneShotCheck(nodeFlags: string[], bin: string, include: string, repeats: number): { runs: CommandRun[]; startup: CommandRun[] } {
  const runs: CommandRun[] = [];
  const startup: CommandRun[] = [];
  for (let i = 0; i < repeats; i++) {
    runs.push(timeCommand(nodeFlags, bin, ['check', '--json', '--include', include]));
    startup.push(timeCommand(nodeFlags, bin, ['check', '--json', '--include', '/nonexistent-msm-bench/*']));
  }
  return { runs, startup };
}
