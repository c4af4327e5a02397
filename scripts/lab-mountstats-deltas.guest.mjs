// Run in the lab guest by lab-mountstats-deltas.mjs: prints per-second deltas of /proc/self/mountstats for
// three NFS mounts while their server's link is shaped (netem on lo, by server address), and keeps every
// read under /lab/results. NFSv4 mounts of one nfsd share one client even from distinct addresses (the
// client finds them one server), so the second v4 mount (b) shows the same counters as a.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { execSync, spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseMountstats } from '/lab/repo/dist/src/common/mountstats.js';

const sh = (c) => { try { return execSync(c, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }); } catch (e) { console.log(`FAILED ${c}: ${e.stderr}`); throw e; } };
sh('systemctl start nfs-server.service');
for (const n of ['a', 'b', 'c']) { mkdirSync(`/srv/m/${n}`, { recursive: true }); mkdirSync(`/mnt/${n}`, { recursive: true }); }
sh('exportfs -o rw,no_root_squash,no_subtree_check,insecure 127.0.0.0/8:/srv/m/a');
sh('exportfs -o rw,no_root_squash,no_subtree_check,insecure 127.0.0.0/8:/srv/m/b');
sh('exportfs -o rw,no_root_squash,no_subtree_check,insecure 127.0.0.0/8:/srv/m/c');
// 1:4 shapes traffic to 127.0.0.2 and .4 (changed per phase), 1:5 to 127.0.0.3 (80 ms from the start).
sh('tc qdisc add dev lo root handle 1: prio bands 5');
sh('tc qdisc add dev lo parent 1:4 handle 40: netem delay 0ms');
sh('tc qdisc add dev lo parent 1:5 handle 50: netem delay 80ms');
sh('tc filter add dev lo parent 1: protocol ip prio 1 u32 match ip dst 127.0.0.2/32 flowid 1:4');
sh('tc filter add dev lo parent 1: protocol ip prio 1 u32 match ip dst 127.0.0.4/32 flowid 1:4');
sh('tc filter add dev lo parent 1: protocol ip prio 1 u32 match ip dst 127.0.0.3/32 flowid 1:5');
sh('mount -t nfs -o vers=4.2,hard 127.0.0.2:/srv/m/a /mnt/a');
sh('mount -t nfs -o vers=4.2,hard 127.0.0.3:/srv/m/b /mnt/b');
sh('mount -t nfs -o vers=3,hard,timeo=10,retrans=2 127.0.0.4:/srv/m/c /mnt/c');
console.log(sh('uname -r').trim());

const MPS = { a: '/mnt/a', b: '/mnt/b', c: '/mnt/c' };
const inflight = {};
function probe(k) {
  if (inflight[k]) return;
  const c = spawn('sh', ['-c', `stat -f ${MPS[k]} >/dev/null; ls ${MPS[k]} >/dev/null; stat ${MPS[k]}/probe-$RANDOM >/dev/null 2>&1`], { stdio: 'ignore' });
  inflight[k] = c;
  c.on('exit', () => { inflight[k] = undefined; });
}
let seq = 0; let prev = {};
function sums(e) {
  const s = { ops: 0, trans: 0, timeouts: 0, bytes: 0, queue: 0, rtt: 0, exec: 0 };
  for (const o of Object.values(e.rpc.ops)) { s.ops += o.ops; s.trans += o.trans; s.timeouts += o.timeouts; s.bytes += o.bytesSent + o.bytesRecv; s.queue += o.queueMs; s.rtt += o.rttMs; s.exec += o.executeMs; }
  const x = e.rpc.xprts[0].fields;
  for (const f of ['sends', 'recvs', 'badXids', 'reqU', 'bklogU', 'sendingU', 'pendingU', 'maxSlots', 'connectCount']) s[f] = x[f];
  return s;
}
function tick(phase) {
  const text = readFileSync('/proc/self/mountstats', 'utf8');
  writeFileSync(`/lab/results/ms-${String(seq).padStart(3, '0')}-${phase}.txt`, text);
  seq++;
  const p = parseMountstats(text);
  for (const [k, mp] of Object.entries(MPS)) {
    const e = p.mounts.find((m) => m.mountpoint === mp && m.rpc);
    if (!e) continue;
    const s = sums(e); const b = prev[k];
    prev[k] = s;
    if (!b) continue;
    const d = (f) => s[f] - b[f];
    const ops = d('ops');
    console.log(`${phase.padEnd(8)} ${k} ops=${ops} trans-ops=${d('trans') - ops} to=${d('timeouts')} bytes=${d('bytes')} rtt/op=${ops ? (d('rtt') / ops).toFixed(1) : '-'} exec/op=${ops ? (d('exec') / ops).toFixed(1) : '-'} queue/op=${ops ? (d('queue') / ops).toFixed(1) : '-'} | sends=${d('sends')} recvs=${d('recvs')} out=${s.sends - s.recvs} badx=${d('badXids')} reqU=${d('reqU')} bklogU=${d('bklogU')} sendingU=${d('sendingU')} pendingU=${d('pendingU')} maxSlots=${s.maxSlots} conn=${d('connectCount')} inflight=${inflight[k] ? 1 : 0}`);
  }
}
async function phase(name, seconds) {
  console.log(`=== ${name} ${new Date().toISOString()}`);
  for (let i = 0; i < seconds; i++) { for (const k of Object.keys(MPS)) probe(k); await sleep(1000); tick(name); }
}
tick('start');
await phase('idle', 15);
sh('tc qdisc change dev lo parent 1:4 handle 40: netem delay 200ms');
await phase('delay200', 15);
sh('tc qdisc change dev lo parent 1:4 handle 40: netem delay 200ms loss 20%');
await phase('loss20', 25);
sh('tc qdisc change dev lo parent 1:4 handle 40: netem delay 0ms');
await phase('clear', 15);
const dd = spawn('dd', ['if=/dev/zero', 'of=/mnt/a/big', 'bs=1M', 'count=200', 'conv=fsync'], { stdio: 'inherit' });
await phase('write', 20);
console.log(`dd running: ${dd.exitCode === null}`);
sh('nft add table inet msmcut; nft add chain inet msmcut in "{ type filter hook input priority -10; policy accept; }"; nft add rule inet msmcut in ip daddr 127.0.0.2 tcp dport 2049 drop; nft add rule inet msmcut in ip saddr 127.0.0.2 tcp sport 2049 drop');
await phase('cut', 25);
sh('nft delete table inet msmcut');
await phase('restored', 15);
console.log(sh('dmesg | grep -i nfs | tail -20'));
process.exit(0);
