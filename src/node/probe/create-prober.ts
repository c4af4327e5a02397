// Picks the prober: the C prober when it is built (fast), else a Node child per probe.
// Checking the binary's path is fine here: it is our own file, not a mountpoint.
import { accessSync, constants } from 'node:fs';
import { NativeProber, nativeProberPath, type NativeProberOptions } from './native-prober.js';
import { NodeProber, type NodeProberOptions } from './node-prober.js';
import type { Prober } from './prober.js';

export interface CreateProberOptions {
  /** Force one kind (tests and the benchmark); default: native when built. */
  kind?: 'native' | 'node';
  native?: NativeProberOptions;
  node?: NodeProberOptions;
}

export function nativeProberAvailable(binary = nativeProberPath()): boolean {
  try {
    accessSync(binary, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * MSM_PROBE_ENGINE=fork makes the prober fork a child per probe, as it does where setfsuid does not
 * exist: to compare the two, or to run the whole test suite on the fallback.
 */
export function createProber(options: CreateProberOptions = {}, env: NodeJS.ProcessEnv = process.env): Prober {
  const kind = options.kind ?? (nativeProberAvailable(options.native?.binary) ? 'native' : 'node');
  const native = env.MSM_PROBE_ENGINE === 'fork' ? { ...options.native, forkPerProbe: true } : options.native;
  // A binary of another release is refused by its banner; the Node prober takes over its probes.
  return kind === 'native' ? new NativeProber({ fallback: () => new NodeProber(options.node), ...native }) : new NodeProber(options.node);
}
