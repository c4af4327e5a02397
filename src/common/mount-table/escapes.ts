// The kernel's `\ooo` escapes in mount table fields, and the same escaping for showing a path in one line.
//
// /proc/self/mountinfo escapes space, tab, newline and backslash in the root, mountpoint, fstype and source
// fields as three octal digits (fs/proc_namespace.c: show_mountinfo() -> seq_path_root()/mangle() with
// " \t\n\\"), and option values through seq_show_option() (also ',' and '='). Other bytes, including UTF-8,
// are printed raw. We decode every `\ooo` (0..377 octal = one byte), so a name escaped by a future kernel or
// another producer also comes out right. The escaped bytes and the raw characters around them are
// re-assembled into bytes and decoded as UTF-8 as a whole, so `\303\251` is "é" and invalid UTF-8 is kept
// losslessly (see utf8.ts). A backslash not followed by three octal digits ≤ 377 is kept literally: the
// kernel never writes one (it escapes `\` itself as `\134`).
import { decodeUtf8Lossless, pushUtf8 } from './utf8.js';

function isOctalEscapeAt(s: string, i: number): boolean {
  const a = s.charCodeAt(i + 1) - 48;
  const b = s.charCodeAt(i + 2) - 48;
  const c = s.charCodeAt(i + 3) - 48;
  return a >= 0 && a <= 3 && b >= 0 && b <= 7 && c >= 0 && c <= 7;
}

/** Decodes every `\ooo` octal escape in one field. Fast path: a field without a backslash is returned as is. */
export function unescapeOctal(field: string): string {
  if (field.indexOf('\\') < 0) return field;
  // The kernel only ever escapes ASCII (space, tab, newline, backslash, and , = in options): those are
  // spliced in as characters; a byte >= 0x80 needs the byte-level UTF-8 path below.
  let out = '';
  let last = 0;
  let i = field.indexOf('\\');
  while (i >= 0) {
    if (isOctalEscapeAt(field, i)) {
      const v = (field.charCodeAt(i + 1) - 48) * 64 + (field.charCodeAt(i + 2) - 48) * 8 + (field.charCodeAt(i + 3) - 48);
      if (v >= 0x80) return unescapeBytes(field);
      out += field.slice(last, i) + String.fromCharCode(v);
      last = i + 4;
      i = field.indexOf('\\', last);
    } else {
      i = field.indexOf('\\', i + 1);
    }
  }
  return out + field.slice(last);
}

/** The general case: escaped bytes and the characters around them, re-assembled and decoded as UTF-8. */
function unescapeBytes(field: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < field.length; ) {
    const cu = field.charCodeAt(i);
    if (cu === 0x5c && isOctalEscapeAt(field, i)) {
      bytes.push(parseInt(field.slice(i + 1, i + 4), 8));
      i += 4;
      continue;
    }
    const cp = field.codePointAt(i)!;
    pushUtf8(bytes, cp);
    i += cp > 0xffff ? 2 : 1;
  }
  return decodeUtf8Lossless(Uint8Array.from(bytes));
}

/**
 * Characters that must not reach a log line, a table or the window as they are: C0 controls and DEL
 * (a newline would split a syslog line), backslash (the escape character itself), C1 controls and
 * U+2028/U+2029 (some viewers break lines there), the bidi controls U+061C, U+200E/F, U+202A..U+202E and
 * U+2066..U+2069 (they reorder what follows: "/mnt/evil<U+202E>gnp.exe" shows as "…exe.png", Unicode
 * TR#36), and lone surrogates U+DC80..U+DCFF, which stand for bytes that were not UTF-8 (utf8.ts).
 */
export function needsEscape(cp: number): boolean {
  return (
    cp < 0x20 ||
    (cp >= 0x7f && cp <= 0x9f) ||
    cp === 0x5c ||
    cp === 0x061c ||
    cp === 0x200e ||
    cp === 0x200f ||
    (cp >= 0x2028 && cp <= 0x202e) ||
    (cp >= 0x2066 && cp <= 0x2069) ||
    (cp >= 0xdc80 && cp <= 0xdcff)
  );
}

/** A quick pre-check (it may also match half of a valid surrogate pair: needsEscape decides). */
const MAYBE_ESCAPE = /[\u0000-\u001f\u007f-\u009f\\\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\udc80-\udcff]/;

/** The escape for one character: the octal of its UTF-8 bytes (of the original byte, for a lone surrogate). */
function escapeChar(cp: number): string {
  if (cp >= 0xdc80 && cp <= 0xdcff) return '\\' + (cp - 0xdc00).toString(8).padStart(3, '0');
  const bytes: number[] = [];
  pushUtf8(bytes, cp);
  return bytes.map((b) => '\\' + b.toString(8).padStart(3, '0')).join('');
}

/**
 * A path (or any field) on one printable line, with nothing that can hide or reorder the characters
 * around it: what needsEscape() names becomes `\ooo`, as the kernel writes mountinfo. Spaces are kept
 * (they read fine). One function for the syslog lines, the CLI table and the status window;
 * unescapeOctal(escapeForDisplay(s)) === s.
 */
export function escapeForDisplay(s: string, keepBackslash = false): string {
  if (!MAYBE_ESCAPE.test(s)) return s;
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    out += needsEscape(cp) && !(keepBackslash && cp === 0x5c) ? escapeChar(cp) : ch;
  }
  return out;
}
