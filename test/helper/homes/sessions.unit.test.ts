import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loggedInUsers, parseUtmp } from '../../../src/helper/homes/sessions.js';
import { parsePasswdLine } from '../../../src/helper/homes/user-db.js';

/** One glibc struct utmp record (384 bytes). */
function utmpRecord(type: number, pid: number, line: string, user: string): Buffer {
  const b = Buffer.alloc(384);
  b.writeInt16LE(type, 0);
  b.writeInt32LE(pid, 4);
  b.write(line, 8, 32, 'utf8');
  b.write(user, 44, 32, 'utf8');
  return b;
}

test('utmp: USER_PROCESS records only, names up to 32 bytes, with the session pid', () => {
  const buf = Buffer.concat([
    utmpRecord(2, 0, '~', 'reboot'), // BOOT_TIME
    utmpRecord(7, 100, 'pts/0', 'alice'),
    utmpRecord(8, 101, 'pts/1', 'gone'), // DEAD_PROCESS
    utmpRecord(7, 102, 'tty2', 'b'.repeat(32)),
  ]);
  assert.deepEqual(parseUtmp(buf), [
    { pid: 100, user: 'alice', line: 'pts/0' },
    { pid: 102, user: 'b'.repeat(32), line: 'tty2' },
  ]);
  assert.deepEqual(parseUtmp(buf.subarray(0, 500)), [], 'a torn last record is ignored');
});

test('logged-in users: logind uids and live utmp sessions', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'msm-sessions-'));
  mkdirSync(join(dir, 'users'));
  writeFileSync(join(dir, 'users', '1000'), 'NAME=alice\n');
  writeFileSync(join(dir, 'users', 'not-a-uid'), '');
  writeFileSync(join(dir, 'utmp'), Buffer.concat([utmpRecord(7, 1, 'pts/0', 'bob'), utmpRecord(7, 2, 'pts/1', 'stale')]));
  const seen = await loggedInUsers({ logindUsersDir: join(dir, 'users'), utmpPath: join(dir, 'utmp'), alive: (pid) => pid === 1 });
  assert.deepEqual(seen, { uids: [1000], names: ['bob'] });
  assert.deepEqual(await loggedInUsers({ logindUsersDir: join(dir, 'none'), utmpPath: join(dir, 'none') }), { uids: [], names: [] });
});

test('passwd lines: the seven fields, an absolute home', () => {
  assert.deepEqual(parsePasswdLine('alice:x:1000:1000:Alice,,,:/home/alice:/bin/bash'), { name: 'alice', uid: 1000, home: '/home/alice' });
  assert.equal(parsePasswdLine('broken:x:1000'), undefined);
  assert.equal(parsePasswdLine('odd:x:abc:1:g:/home/odd:/bin/sh'), undefined);
  assert.equal(parsePasswdLine('rel:x:5:5:g:home/rel:/bin/sh'), undefined);
});
