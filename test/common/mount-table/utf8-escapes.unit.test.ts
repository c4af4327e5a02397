import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeUtf8Lossless, encodeUtf8Lossless, hasEscapedBytes } from '../../../src/common/mount-table/utf8.js';
import { escapeForDisplay, unescapeOctal } from '../../../src/common/mount-table/escapes.js';

test('valid UTF-8 decodes exactly as TextDecoder does', () => {
  const samples = ['', 'plain', 'café', '日本語', '😀 emoji', '\u0000\u007f\u0080\u07ff\u0800\uffff', '\u{10ffff}'];
  for (const s of samples) {
    const bytes = new TextEncoder().encode(s);
    assert.equal(decodeUtf8Lossless(bytes), new TextDecoder().decode(bytes));
    assert.deepEqual(encodeUtf8Lossless(decodeUtf8Lossless(bytes)), bytes);
  }
});

test('every invalid sequence round-trips byte for byte', () => {
  const cases = [
    [0xff], [0x80], [0xc0, 0x80] /* overlong */, [0xe0, 0x80, 0x80], [0xed, 0xa0, 0x80] /* surrogate */,
    [0xf4, 0x90, 0x80, 0x80] /* > U+10FFFF */, [0xe2, 0x82] /* truncated */, [0x41, 0xe2, 0x82, 0x41],
    [0xf0, 0x9f, 0x98], [0xc3],
  ];
  for (const c of cases) {
    const bytes = Uint8Array.from(c);
    const s = decodeUtf8Lossless(bytes);
    assert.ok(hasEscapedBytes(s), JSON.stringify(c));
    assert.deepEqual(encodeUtf8Lossless(s), bytes, JSON.stringify(c));
  }
  // All 256 single bytes and a long random buffer.
  for (let b = 0; b < 256; b++) assert.deepEqual(encodeUtf8Lossless(decodeUtf8Lossless(Uint8Array.of(b))), Uint8Array.of(b));
  const big = new Uint8Array(100_000);
  let seed = 7;
  for (let i = 0; i < big.length; i++) big[i] = (seed = (seed * 1103515245 + 12345) % 2 ** 31) & 0xff;
  assert.deepEqual(encodeUtf8Lossless(decodeUtf8Lossless(big)), big);
});

test('hasEscapedBytes is false for valid text including astral characters', () => {
  assert.equal(hasEscapedBytes('😀'), false);
  assert.equal(hasEscapedBytes('x\udc80'), true);
  assert.equal(hasEscapedBytes('abc'), false);
});

test('unescapeOctal decodes \\ooo and leaves other backslashes alone', () => {
  assert.equal(unescapeOctal('a\\040b'), 'a b');
  assert.equal(unescapeOctal('\\011\\012\\134'), '\t\n\\');
  assert.equal(unescapeOctal('\\000'), '\u0000');
  assert.equal(unescapeOctal('x\\'), 'x\\');
  assert.equal(unescapeOctal('x\\04'), 'x\\04');
  assert.equal(unescapeOctal('x\\400'), 'x\\400'); // not a byte
  assert.equal(unescapeOctal('x\\08a'), 'x\\08a');
  assert.equal(unescapeOctal('é\\040😀'), 'é 😀');
});

test('escapeForDisplay is one printable line and unescapeOctal inverts it', () => {
  const s = '/a b\tc\nd\\e\u0001\u007f\udcffé';
  const shown = escapeForDisplay(s);
  assert.equal(shown, '/a b\\011c\\012d\\134e\\001\\177\\377é');
  assert.ok(!/[\n\t]/.test(shown));
  assert.equal(unescapeOctal(shown), s);
  assert.equal(escapeForDisplay('/plain path'), '/plain path');
});
