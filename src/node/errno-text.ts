// strerror-style text for any errno name: glibc's words from the common table (src/common/errno-text.ts),
// and for errnos it lacks, libuv's description of this platform's errno.
import { getSystemErrorMap } from 'node:util';
import { constants } from 'node:os';
import { strerrorText } from '../common/errno-text.js';

/** strerror-style text for an errno name ("ENOTCONN" -> "Transport endpoint is not connected"). */
export function errnoText(name: string): string | undefined {
  const glibc = strerrorText(name);
  if (glibc !== undefined) return glibc;
  const num = (constants.errno as Record<string, number>)[name];
  if (num === undefined) return undefined;
  // libuv keys its map by negative errno.
  const entry = getSystemErrorMap().get(-num);
  if (entry === undefined) return undefined;
  const text = entry[1];
  return text.charAt(0).toUpperCase() + text.slice(1);
}
