// Long texts cut to a byte budget, keeping their head and tail around a marker: `…[768123 bytes, sha256
// 3f2a9c0e1b7d]…` (the full length in UTF-8 and a hash, so two cut texts can be told apart and matched).
// A user controls the paths of their own mounts, and a path has no length limit once its parents are
// renamed (a 4.6 MB mountpoint). The socket cuts each text to MAX_WIRE_TEXT_BYTES of
// JSON (src/helper/ipc/wire-caps.ts), the log each path and reason to MAX_LOG_TEXT_BYTES once escaped
// (src/helper/log/escape.ts), so a line keeps the errno and the reason that follow the path. Each
// counts what a character costs in its own encoding; the cut is the same for both. A long text is never
// encoded whole to learn its cost: the scan stops at the budget.
import { createHash } from 'node:crypto';

/** What the code unit at `i` costs once encoded, in bytes, and how many code units it takes (2: a pair). */
export type UnitCost = (s: string, i: number) => [bytes: number, units: number];

/** The end of the longest prefix of `s` costing at most `budget` bytes, and that cost. */
function prefixWithin(s: string, budget: number, cost: UnitCost): [end: number, bytes: number] {
  let i = 0;
  let used = 0;
  while (i < s.length) {
    const [bytes, units] = cost(s, i);
    if (used + bytes > budget) break;
    used += bytes;
    i += units;
  }
  return [i, used];
}

/** The start of the longest suffix of `s` costing at most `budget` bytes (never splitting a pair). */
function suffixWithin(s: string, budget: number, notBefore: number, cost: UnitCost): number {
  let i = s.length;
  let used = 0;
  while (i > notBefore) {
    const low = s.charCodeAt(i - 1);
    const start = low >= 0xdc00 && low <= 0xdfff && i - 2 >= notBefore && cost(s, i - 2)[1] === 2 ? i - 2 : i - 1;
    const [bytes] = cost(s, start);
    if (used + bytes > budget) break;
    used += bytes;
    i = start;
  }
  return i;
}

// Texts cut before, by their full text: a monster path is in every snapshot and every event of its mount.
const CUT_CACHE_SIZE = 256;

/**
 * A function returning `text` when it costs at most `maxBytes`, else its head (two thirds of what is
 * left beside the marker) and tail around the marker. `maxUnitCost` (the most one code unit can cost)
 * lets short texts through without a scan.
 */
export function textCutter(maxBytes: number, cost: UnitCost, maxUnitCost: number): (text: string) => string {
  const cache = new Map<string, string>();
  return (text) => {
    if (text.length * maxUnitCost <= maxBytes) return text;
    if (prefixWithin(text, maxBytes, cost)[0] === text.length) return text;
    const cached = cache.get(text);
    if (cached !== undefined) return cached;
    const hash = createHash('sha256').update(text).digest('hex').slice(0, 12);
    const marker = `…[${Buffer.byteLength(text, 'utf8')} bytes, sha256 ${hash}]…`;
    const budget = maxBytes - Buffer.byteLength(marker, 'utf8');
    const [headEnd, headBytes] = prefixWithin(text, Math.floor((budget * 2) / 3), cost);
    const cut = text.slice(0, headEnd) + marker + text.slice(suffixWithin(text, budget - headBytes, headEnd, cost));
    if (cache.size >= CUT_CACHE_SIZE) cache.clear();
    cache.set(text, cut);
    return cut;
  };
}
