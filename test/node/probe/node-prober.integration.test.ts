// The Node fallback prober (a Node child per probe) against the same real mounts: same answers.
// Fewer mounts at once: each child is a whole Node process.
import { privateMountNamespace } from '../../support/namespace.js';
import { proberSuite } from './prober-suite.js';

const ns = privateMountNamespace(import.meta.url);
proberSuite('node', ns, { manyMounts: 40, engine: 'fork' });
