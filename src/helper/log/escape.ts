// One log line must stay one line, whatever a mountpoint is called, and short enough for syslog to keep
// its end. Mountpoints may contain any byte but NUL, including newlines (fs/proc_namespace.c:
// show_mountinfo -> seq_path_root(..., " \t\n\\")). Control characters, C1 controls, U+2028/U+2029, bidi
// controls and a backslash itself are written the way the kernel writes mountinfo, a backslash and three
// octal digits (\012 for a newline), so the escaping can be undone unambiguously. Spaces are left alone: a
// log line is read by people, and the seed prints paths raw. The one implementation is escapeForDisplay
// (src/common/mount-table/escapes.ts), shared with the CLI table and the status window.
//
// A path has no length limit once its parents are renamed: a 4.6 MB mountpoint made a
// 3 MB "Couldn't check mountpoint" line that syslog cut to 4 KB, losing the errno. So each text is cut to
// MAX_LOG_TEXT_BYTES once escaped, head and tail around a marker, as the socket cuts it
// (src/helper/cut-text.ts); the few texts of a line then fit the writer's 4096 bytes with room to spare.
import { escapeForDisplay, needsEscape } from '../../common/mount-table/escapes.js';
import { textCutter } from '../cut-text.js';

/** The most one path or reason may take in a line, escaped. */
export const MAX_LOG_TEXT_BYTES = 1024;

/** What escapeForDisplay writes for the code unit at `i`, in UTF-8 bytes, and how many units it took. */
function escapedUnitCost(s: string, i: number): [bytes: number, units: number] {
  const c = s.charCodeAt(i);
  if (c >= 0xd800 && c <= 0xdbff) {
    const d = s.charCodeAt(i + 1);
    return d >= 0xdc00 && d <= 0xdfff ? [4, 2] : [3, 1]; // a pair, or a lone surrogate written as U+FFFD
  }
  if (c >= 0xdc80 && c <= 0xdcff) return [4, 1]; // a byte that was not UTF-8: \ooo
  if (c >= 0xdc00 && c <= 0xdfff) return [3, 1];
  const utf8 = c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
  return [needsEscape(c) ? 4 * utf8 : utf8, 1]; // each byte of an escaped character as \ooo
}

const cutForLog = textCutter(MAX_LOG_TEXT_BYTES, escapedUnitCost, 12);

/** A path, reason or config error as it goes inside a log line: cut, then escaped (see the file comment). */
export function logText(text: string): string {
  return escapeForDisplay(cutForLog(text));
}

/**
 * The safety net for whole lines on their way out: control characters become \ooo but backslashes are
 * kept, since the variable parts of a line have gone through logText already.
 */
export function escapeControlChars(text: string): string {
  return escapeForDisplay(text, true);
}
