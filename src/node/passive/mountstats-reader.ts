// Reads /proc/self/mountstats (procfs: served from kernel counters, no mount is touched) and parses it.
import { readFile } from 'node:fs/promises';
import { parseMountstats, type ParsedMountstats } from '../../common/mountstats.js';

/** Never throws: an unreadable file gives no mounts and one problem saying why. */
export async function readMountstats(path = '/proc/self/mountstats'): Promise<ParsedMountstats> {
  try {
    return parseMountstats(await readFile(path, 'utf8'));
  } catch (e) {
    return { mounts: [], problems: [{ line: 0, text: path, reason: (e as Error).message }] };
  }
}
