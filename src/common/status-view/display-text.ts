// Text from the mount table (mountpoints, sources, messages) as the window shows it. A mountpoint may hold
// any byte but NUL: a newline would read as a space, and a bidi control (U+202E RIGHT-TO-LEFT OVERRIDE,
// the isolates U+2066..U+2069, ...) would reorder what follows it, so "/mnt/evil<RLO>gnp.exe" would show
// as "/mnt/evilexe.png" (Unicode TR#36, "Bidirectional text spoofing"). So, like the CLI and the syslog
// lines, control characters and backslashes become `\ooo` (escapeForDisplay, the kernel's mountinfo
// style), and so do the bidi controls, C1 controls and U+2028/U+2029, as the octal of their UTF-8 bytes.
// The raw text is kept for what is sent back (a recheck names the exact mountpoint).
import { escapeForDisplay } from '../mount-table/escapes.js';

const INVISIBLE = /[\u0080-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/u;

/** UTF-8 bytes of one BMP character from INVISIBLE (all U+0080..U+FFFF: two or three bytes), in octal. */
function octal(ch: string): string {
  const cp = ch.codePointAt(0)!;
  const bytes = cp < 0x800 ? [0xc0 | (cp >> 6), 0x80 | (cp & 0x3f)] : [0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f)];
  return bytes.map((b) => '\\' + b.toString(8).padStart(3, '0')).join('');
}

/** `text` on one line, with nothing that can reorder or hide the characters around it. */
export function displayText(text: string): string {
  const s = escapeForDisplay(text);
  if (!INVISIBLE.test(s)) return s;
  let out = '';
  for (const ch of s) out += INVISIBLE.test(ch) ? octal(ch) : ch;
  return out;
}
