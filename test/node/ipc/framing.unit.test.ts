import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameDecoder, FrameTooLargeError, encodeFrame, encodeMessage } from '../../../src/node/ipc/framing.js';

test('frames are reassembled from any chunking, byte by byte or many per chunk', () => {
  const msgs = [{ a: 1 }, { b: 'é'.repeat(1000) }, {}, { c: [1, 2, 3] }];
  const stream = Buffer.concat(msgs.map((m) => encodeMessage(m, 1 << 20)));
  for (const size of [1, 2, 3, 5, 7, 64, stream.length]) {
    const d = new FrameDecoder(1 << 20);
    const out: unknown[] = [];
    for (let i = 0; i < stream.length; i += size) for (const f of d.push(stream.subarray(i, i + size))) out.push(JSON.parse(f.toString('utf8')));
    assert.deepEqual(out, msgs, `chunk size ${size}`);
    assert.equal(d.buffered, 0);
  }
});

test('the header is 4-byte big-endian length; an empty frame is a frame', () => {
  assert.deepEqual([...encodeFrame('hi', 10)], [0, 0, 0, 2, 0x68, 0x69]);
  assert.deepEqual(new FrameDecoder(10).push(Buffer.from([0, 0, 0, 0])), [Buffer.alloc(0)]);
});

test('an oversize frame is refused at its header, before its body arrives', () => {
  const d = new FrameDecoder(100);
  assert.deepEqual(d.push(Buffer.from([0, 0])), []);
  assert.throws(() => d.push(Buffer.from([0, 101])), (e: FrameTooLargeError) => e.size === 101 && e.limit === 100);
  assert.throws(() => encodeFrame('x'.repeat(101), 100), FrameTooLargeError);
  assert.equal(encodeFrame('x'.repeat(100), 100).length, 104);
});
