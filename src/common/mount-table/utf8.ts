// Lossless UTF-8 for mount paths. A Linux path is any bytes but NUL, not necessarily UTF-8. To keep such a
// path in a JS string without losing it, bytes that are not part of a valid UTF-8 sequence are mapped to
// lone surrogates U+DC80..U+DCFF, exactly as Python's "surrogateescape" error handler does (PEP 383).
// Valid UTF-8 never decodes to a lone surrogate, so the mapping is unambiguous and encodeUtf8Lossless()
// gives back the original bytes (what a probe child must pass to stat/opendir). Plain valid UTF-8, the
// usual case, decodes to exactly what TextDecoder would give.
//
// No Node or DOM imports (src/common): runs in the helper, the app and the renderer alike.

const ESCAPE_BASE = 0xdc00;

/** Decodes bytes[start, end) as UTF-8; each byte of an invalid sequence becomes U+DC00+byte (PEP 383). */
export function decodeUtf8Lossless(bytes: Uint8Array, start = 0, end = bytes.length): string {
  // Output never has more UTF-16 units than input bytes (4-byte sequence -> 2 units, else fewer or equal).
  const out = new Uint16Array(end - start);
  let o = 0;
  let i = start;
  while (i < end) {
    const b0 = bytes[i]!;
    if (b0 < 0x80) {
      out[o++] = b0;
      i++;
      continue;
    }
    let need = 0;
    let cp = 0;
    let min = 0;
    if (b0 >= 0xc2 && b0 <= 0xdf) { need = 1; cp = b0 & 0x1f; min = 0x80; }
    else if (b0 >= 0xe0 && b0 <= 0xef) { need = 2; cp = b0 & 0x0f; min = 0x800; }
    else if (b0 >= 0xf0 && b0 <= 0xf4) { need = 3; cp = b0 & 0x07; min = 0x10000; }
    let ok = need > 0 && i + need < end;
    if (ok) {
      for (let k = 1; k <= need; k++) {
        const b = bytes[i + k];
        if (b === undefined || (b & 0xc0) !== 0x80) { ok = false; break; }
        cp = (cp << 6) | (b & 0x3f);
      }
    }
    // Overlong forms, UTF-16 surrogates and code points past U+10FFFF are invalid UTF-8 (RFC 3629).
    if (ok && (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))) ok = false;
    if (!ok) {
      out[o++] = ESCAPE_BASE + b0;
      i++;
      continue;
    }
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out[o++] = 0xd800 + (cp >> 10);
      out[o++] = 0xdc00 + (cp & 0x3ff);
    } else {
      out[o++] = cp;
    }
    i += need + 1;
  }
  let s = '';
  const CHUNK = 8192; // String.fromCharCode.apply has an argument-count limit.
  for (let p = 0; p < o; p += CHUNK) {
    s += String.fromCharCode.apply(null, out.subarray(p, Math.min(o, p + CHUNK)) as unknown as number[]);
  }
  return s;
}

/** Appends the UTF-8 bytes of one code point (or the raw byte of an escaped U+DC80..U+DCFF) to out. */
export function pushUtf8(out: number[], cp: number): void {
  if (cp < 0x80) out.push(cp);
  else if (cp < 0x800) out.push(0xc0 | (cp >> 6), 0x80 | (cp & 0x3f));
  else if (cp >= 0xdc80 && cp <= 0xdcff) out.push(cp - ESCAPE_BASE);
  else if (cp >= 0xd800 && cp <= 0xdfff) out.push(0xef, 0xbf, 0xbd); // any other lone surrogate: U+FFFD
  else if (cp < 0x10000) out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
  else out.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
}

/** The exact bytes of a path decoded by decodeUtf8Lossless (the inverse mapping). */
export function encodeUtf8Lossless(s: string): Uint8Array {
  const out: number[] = [];
  for (const ch of s) pushUtf8(out, ch.codePointAt(0)!);
  return Uint8Array.from(out);
}

/** True when the string holds bytes that were not valid UTF-8 (escaped as U+DC80..U+DCFF). */
export function hasEscapedBytes(s: string): boolean {
  // Without the u flag the regex sees UTF-16 units: a low surrogate not preceded by a high one is lone.
  return /(?<![\ud800-\udbff])[\udc80-\udcff]/.test(s);
}
