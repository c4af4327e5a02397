// Picks the prober: the C fork server when it is built (fast), else a Node child per probe.
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

export function createProber(options: CreateProberOptions = {}): Prober {
  const kind = options.kind ?? (nativeProberAvailable(options.native?.binary) ? 'native' : 'node');
  return kind === 'native' ? new NativeProber(options.native) : new NodeProber(options.node);
}
