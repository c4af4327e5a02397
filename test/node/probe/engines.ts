// The probe engines every isolation test runs against: the prober's workers (Linux's default), its
// fork per probe (what macOS and the BSDs get, and the reference the workers must match), and the Node
// fallback (a Node child per probe, when the prober is not built).
import type { CreateProberOptions } from '../../../src/node/probe/create-prober.js';

export interface Engine {
  label: string;
  /** For temp directory names. */
  slug: string;
  options: CreateProberOptions & { kind: 'native' | 'node' };
}

export const ENGINES: readonly Engine[] = [
  { label: 'native (workers)', slug: 'workers', options: { kind: 'native' } },
  { label: 'native (fork per probe)', slug: 'fork', options: { kind: 'native', native: { forkPerProbe: true } } },
  { label: 'node', slug: 'node', options: { kind: 'node' } },
];
