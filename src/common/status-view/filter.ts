// The filter box: every whitespace-separated word must appear (case-insensitively) in one of the mount's
// fields or its problem in words, so "nfs1 hung" finds the hung mounts of server nfs1.
import type { MountStatus } from '../mount.js';
import { problemInWords, STATE_LABEL } from './problem-words.js';
import { serverOfStatus } from './server-of-status.js';
import { displayText } from './display-text.js';

export function matchesFilter(status: MountStatus, query: string, now: number): boolean {
  const words = query.toLowerCase().split(/\s+/).filter((w) => w.length > 0);
  if (words.length === 0) return true;
  const haystack = [
    status.mountpoint,
    status.source,
    // What the window shows (\012 for a newline, ...), so typing what is seen finds it.
    displayText(status.mountpoint),
    displayText(status.source),
    status.fstype,
    status.state,
    STATE_LABEL[status.state],
    serverOfStatus(status) ?? 'local',
    status.errno ?? '',
    problemInWords(status, now),
  ]
    .join('\n')
    .toLowerCase();
  return words.every((w) => haystack.includes(w));
}
