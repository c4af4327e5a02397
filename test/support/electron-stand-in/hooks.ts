// Module resolution hook (node:module register): `electron` resolves to the recording stand-in beside
// this file; everything else as usual. Loaded by register.ts with `node --import`.
const STAND_IN = new URL('./electron.js', import.meta.url).href;

interface ResolveContext {
  conditions: string[];
  parentURL?: string;
}
type NextResolve = (specifier: string, context: ResolveContext) => Promise<{ url: string; format?: string | null; shortCircuit?: boolean }>;

export async function resolve(specifier: string, context: ResolveContext, nextResolve: NextResolve) {
  if (specifier === 'electron') return { url: STAND_IN, format: 'module', shortCircuit: true };
  return nextResolve(specifier, context);
}
