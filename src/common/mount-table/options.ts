// Comma-separated mount options, as in mountinfo fields 6 and 11.
//
// Split BEFORE decoding escapes: seq_show_option() escapes a ',' inside a value as `\054`, so only raw
// commas separate options. SELinux prints context options whose value holds commas in double quotes
// (security/selinux/hooks.c: selinux_sb_show_options(), e.g. context="system_u:object_r:x:s0:c1,c2"),
// so a comma inside double quotes does not split either; the quotes are kept in the option text.
import { unescapeOctal } from './escapes.js';

/** Splits a raw (still escaped) option field and decodes each option. "" gives []. */
function splitOptions(raw: string): string[] {
  return splitOptionsAt(raw, 0, raw.length);
}

/** splitOptions() on s[from, to), without first copying that range out (the mountinfo hot path). */
export function splitOptionsAt(s: string, from: number, to: number): string[] {
  const parts: string[] = [];
  if (to <= from) return parts;
  let start = from;
  let quoted = false;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x2c && !quoted) {
      parts.push(unescapeOctal(s.slice(start, i)));
      start = i + 1;
    } else if (c === 0x22) {
      quoted = !quoted;
    }
  }
  parts.push(unescapeOctal(s.slice(start, to)));
  return parts;
}

/** The value of `key=value` in an option list (first match), or undefined. */
export function optionValue(options: readonly string[], key: string): string | undefined {
  const prefix = key + '=';
  for (const o of options) if (o.startsWith(prefix)) return o.slice(prefix.length);
  return undefined;
}

/** True when the bare flag (e.g. "ro", "strictexpire") is in the option list. */
export function hasOption(options: readonly string[], flag: string): boolean {
  return options.includes(flag);
}
