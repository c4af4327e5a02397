// Who a client is comes from the kernel (SO_PEERCRED), not from its hello: a real client process run as
// another user, claiming to be root, is seen with its real uid and pid.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openHelperSocket } from '../../../src/helper/ipc/helper-socket.js';
import { skipOrFail } from '../../support/namespace.js';
import { ensureTestUser } from '../../support/test-user.js';
import { FakeMonitor } from './fake-monitor.js';
import { RawClient, waitFor } from './raw-client.js';

const skip = skipOrFail(process.getuid?.() === 0 ? undefined : 'needs root (runs a client as another user)');
const rawClient = new URL('./raw-client.js', import.meta.url).pathname;
const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

test('the helper sees each client as the kernel does: uid and pid from the socket, a claimed uid ignored', { skip }, async () => {
  const user = ensureTestUser();
  const dir = await mkdtemp(join(tmpdir(), 'msm-peer-'));
  dirs.push(dir);
  await chmod(dir, 0o755);
  const socketPath = join(dir, 'run', 'helper.sock');
  const server = await openHelperSocket({ socketPath, monitor: new FakeMonitor(), access: 'shared' });
  try {
    // A client as msm-test that says it is root, and holds its connection open until told to go.
    const script = `
      const { RawClient } = await import(${JSON.stringify(rawClient)});
      const c = await RawClient.connect(${JSON.stringify(socketPath)});
      await c.ask({ type: 'hello', id: 0, protocol: 1, client: 'root, honest', uid: 0, gid: 0 });
      console.log('ready');
      process.stdin.once('data', () => { c.close(); process.exit(0); });`;
    const child = spawn('setpriv', ['--reuid', String(user.uid), '--regid', String(user.gid), '--clear-groups', process.execPath, '--input-type=module', '-e', script], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
      child.once('exit', (code) => reject(new Error(`client exited with ${code}`)));
    });
    const own = await RawClient.connect(socketPath);
    await own.hello();
    await waitFor(() => server.clients().length === 2);
    const byName = new Map(server.clients().map((c) => [c.name, c.peer]));
    assert.deepEqual(byName.get('root, honest'), { uid: user.uid, gid: user.gid, pid: child.pid });
    assert.equal(byName.get('raw test client')?.uid, 0);
    assert.equal(byName.get('raw test client')?.pid, process.pid);
    own.close();
    child.stdin.write('\n');
    await new Promise((r) => child.once('exit', r));
  } finally {
    await server.close();
  }
});
