#!/usr/bin/env node
// Generates the tray, notification and app icons as PNGs with nothing but Node's zlib:
// a filled, anti-aliased disc per state (ok green, degraded amber, dead red, unknown grey) with a
// darker rim, so the state reads at 16 px on light and dark panels alike.
// Run: node build/icons/generate-icons.mjs (the PNGs are committed; rerun after changing colours).
import { deflateSync } from 'node:zlib';
import { writeFileSync } from 'node:fs';

const COLOURS = {
  ok: [0x2e, 0xa0, 0x43],
  degraded: [0xe3, 0x9b, 0x0b],
  dead: [0xd7, 0x26, 0x1e],
  unknown: [0x8a, 0x8f, 0x98],
};

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

/** PNG (RGBA, 8 bit) of a disc in `rgb`. */
export function discPng(size, rgb) {
  const rows = [];
  const c = size / 2;
  const r = size / 2 - Math.max(0.5, size / 32);
  const rim = Math.max(1, size / 12);
  const SS = 4; // 4x4 supersampling for the edge
  for (let y = 0; y < size; y++) {
    const row = Buffer.alloc(1 + size * 4);
    for (let x = 0; x < size; x++) {
      let cover = 0;
      let inner = 0;
      for (let sy = 0; sy < SS; sy++)
        for (let sx = 0; sx < SS; sx++) {
          const d = Math.hypot(x + (sx + 0.5) / SS - c, y + (sy + 0.5) / SS - c);
          if (d <= r) cover++;
          if (d <= r - rim) inner++;
        }
      const a = cover / (SS * SS);
      const k = cover ? inner / cover : 0; // inner fill vs darker rim
      const o = 1 + x * 4;
      for (let i = 0; i < 3; i++) row[o + i] = Math.round(rgb[i] * (0.7 + 0.3 * k));
      row[o + 3] = Math.round(a * 255);
    }
    rows.push(row);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.concat(rows), { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = new URL('./', import.meta.url);
  for (const [state, rgb] of Object.entries(COLOURS)) {
    for (const size of [16, 22, 32]) writeFileSync(new URL(`tray-${state}-${size}.png`, dir), discPng(size, rgb));
    if (state !== 'unknown') writeFileSync(new URL(`notify-${state}.png`, dir), discPng(64, rgb));
  }
  writeFileSync(new URL('icon.png', dir), discPng(256, COLOURS.ok));
  console.log('icons written to build/icons/');
}
