// An attacker on the helper's socket, run as an unprivileged user by the tests (setpriv):
//
//   node hog-client.js SOCKET FLOOD_MS PARALLEL
//
// Holds as many subscribed connections as the helper grants, then (FLOOD_MS > 0) connects and hangs up in
// PARALLEL loops for FLOOD_MS, counting the refusals. Prints one JSON line per phase and keeps what it
// holds until its stdin gets a line.
import { RawClient } from './raw-client.js';

const [socketPath, floodMsText = '0', parallelText = '16'] = process.argv.slice(2);
if (!socketPath) throw new Error('usage: hog-client SOCKET [FLOOD_MS] [PARALLEL]');

const held: RawClient[] = [];
let refusal: unknown;
for (let i = 0; i < 1000 && refusal === undefined; i++) {
  const c = await RawClient.connect(socketPath);
  const first = await c.hello();
  if (first.type !== 'hello') {
    refusal = first.error;
    c.close();
    break;
  }
  await c.ask({ type: 'subscribe', id: 1 });
  held.push(c);
}
console.log(JSON.stringify({ phase: 'held', held: held.length, refusal }));

const floodMs = Number(floodMsText);
if (floodMs > 0) {
  const counts = { refused: 0, served: 0, connectErrors: 0, other: 0 };
  const until = Date.now() + floodMs;
  const loop = async () => {
    while (Date.now() < until) {
      let c: RawClient;
      try {
        c = await RawClient.connect(socketPath);
      } catch {
        counts.connectErrors++; // EAGAIN: the listen backlog is full
        continue;
      }
      try {
        const m = await c.message(0, 5000);
        if (m.type === 'error' && m.error.code === 'too-many-clients') counts.refused++;
        else counts.other++;
      } catch {
        counts.other++;
      }
      c.close();
    }
  };
  await Promise.all(Array.from({ length: Number(parallelText) }, loop));
  console.log(JSON.stringify({ phase: 'flood', ...counts }));
}

process.stdin.once('data', () => {
  for (const c of held) c.close();
  process.exit(0);
});
