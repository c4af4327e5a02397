// Just enough of a D-Bus client to ask the session bus one question at start (does a tray host exist?),
// without a native module or a helper program that a desktop may lack (dbus-send is in dbus-bin, gdbus in
// libglib2.0-bin, busctl in systemd). D-Bus Specification: "Message Protocol" (marshalling, header
// fields), "Authentication Protocol" (EXTERNAL), "Server Addresses" (unix:path=, unix:abstract=).
// Method calls with string arguments only, replies of type b, s, u or a variant holding one of them.
import { createConnection, type Socket } from 'node:net';

/** Where the session bus listens: a socket path, or an abstract socket name (Linux), or why none. */
export type BusAddress = { path: string } | { abstract: string } | { none: string };

/** Decodes a D-Bus address value ("%2f" escapes, D-Bus Specification "Server Addresses"). */
function unescapeValue(value: string): string {
  return value.replace(/%([0-9a-fA-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/**
 * The first unix-socket address in DBUS_SESSION_BUS_ADDRESS, else $XDG_RUNTIME_DIR/bus (where systemd's
 * user bus listens, and libdbus looks when the variable is unset), else none.
 */
export function sessionBusAddress(env: NodeJS.ProcessEnv): BusAddress {
  const raw = env.DBUS_SESSION_BUS_ADDRESS;
  if (raw) {
    for (const entry of raw.split(';')) {
      const colon = entry.indexOf(':');
      if (entry.slice(0, colon) !== 'unix') continue;
      const kv = new Map(
        entry
          .slice(colon + 1)
          .split(',')
          .map((p) => [p.slice(0, p.indexOf('=')), unescapeValue(p.slice(p.indexOf('=') + 1))] as const),
      );
      if (kv.get('path')) return { path: kv.get('path')! };
      if (kv.get('abstract')) return { abstract: kv.get('abstract')! };
    }
    return { none: `DBUS_SESSION_BUS_ADDRESS has no unix socket address (${raw})` };
  }
  if (env.XDG_RUNTIME_DIR?.startsWith('/')) return { path: `${env.XDG_RUNTIME_DIR.replace(/\/$/, '')}/bus` };
  return { none: 'DBUS_SESSION_BUS_ADDRESS and XDG_RUNTIME_DIR are unset' };
}

/** A method call: destination, object path, interface, member and string arguments. */
export interface MethodCall {
  destination: string;
  path: string;
  interface: string;
  member: string;
  args?: string[];
}

export type Reply = { ok: true; value: boolean | string | number } | { ok: false; error: string; message: string };

class Writer {
  readonly bytes: number[] = [];
  align(n: number): void {
    while (this.bytes.length % n !== 0) this.bytes.push(0);
  }
  u8(v: number): void {
    this.bytes.push(v & 0xff);
  }
  u32(v: number): void {
    this.align(4);
    this.bytes.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
  }
  string(s: string): void {
    const b = Buffer.from(s, 'utf8');
    this.u32(b.length);
    this.bytes.push(...b, 0);
  }
  signature(s: string): void {
    this.u8(s.length);
    this.bytes.push(...Buffer.from(s, 'ascii'), 0);
  }
  /** A header field: struct (byte code, variant). */
  field(code: number, type: 's' | 'o' | 'g', value: string): void {
    this.align(8);
    this.u8(code);
    this.signature(type);
    if (type === 'g') this.signature(value);
    else this.string(value);
  }
}

/** Marshals a METHOD_CALL (type 1) in little-endian byte order. */
function encodeMethodCall(call: MethodCall, serial: number): Buffer {
  const args = call.args ?? [];
  const body = new Writer();
  for (const a of args) body.string(a);
  const fields = new Writer();
  fields.field(1, 'o', call.path);
  fields.field(2, 's', call.interface);
  fields.field(3, 's', call.member);
  fields.field(6, 's', call.destination);
  if (args.length > 0) fields.field(8, 'g', 's'.repeat(args.length));
  const head = new Writer();
  head.u8(0x6c); // 'l': little-endian
  head.u8(1); // METHOD_CALL
  head.u8(0); // flags
  head.u8(1); // protocol version
  head.u32(body.bytes.length);
  head.u32(serial);
  head.u32(fields.bytes.length);
  head.bytes.push(...fields.bytes);
  head.align(8);
  return Buffer.from([...head.bytes, ...body.bytes]);
}

class Reader {
  constructor(
    private readonly buf: Buffer,
    public offset: number,
    private readonly little: boolean,
    /** Alignment is relative to the start of the message. */
    private readonly base: number,
  ) {}
  align(n: number): void {
    const rel = this.offset - this.base;
    this.offset += (n - (rel % n)) % n;
  }
  u8(): number {
    return this.buf[this.offset++]!;
  }
  u32(): number {
    this.align(4);
    const v = this.little ? this.buf.readUInt32LE(this.offset) : this.buf.readUInt32BE(this.offset);
    this.offset += 4;
    return v;
  }
  string(): string {
    const len = this.u32();
    const s = this.buf.toString('utf8', this.offset, this.offset + len);
    this.offset += len + 1;
    return s;
  }
  signature(): string {
    const len = this.u8();
    const s = this.buf.toString('ascii', this.offset, this.offset + len);
    this.offset += len + 1;
    return s;
  }
  basic(type: string): boolean | string | number {
    switch (type) {
      case 'y':
        return this.u8();
      case 'b':
        return this.u32() !== 0;
      case 'u':
      case 'i':
        return this.u32();
      case 's':
      case 'o':
        return this.string();
      case 'g':
        return this.signature();
      default:
        throw new Error(`unsupported D-Bus type ${type}`);
    }
  }
}

interface Message {
  type: number;
  replySerial?: number;
  errorName?: string;
  signature: string;
  body: Reader;
}

/** Splits complete messages off the front of `buf`; returns them and the bytes left over. */
function decodeMessages(buf: Buffer): { messages: Message[]; rest: Buffer } {
  const messages: Message[] = [];
  let start = 0;
  while (buf.length - start >= 16) {
    const little = buf[start] === 0x6c;
    const r = new Reader(buf, start + 4, little, start);
    const bodyLen = r.u32();
    r.u32(); // serial
    const fieldsLen = r.u32();
    const bodyStart = start + 16 + fieldsLen + ((8 - ((16 + fieldsLen) % 8)) % 8);
    if (buf.length < bodyStart + bodyLen) break;
    const m: Message = { type: buf[start + 1]!, signature: '', body: new Reader(buf, bodyStart, little, start) };
    const end = start + 16 + fieldsLen;
    while (r.offset < end) {
      r.align(8);
      const code = r.u8();
      const value = r.basic(r.signature());
      if (code === 5) m.replySerial = value as number;
      else if (code === 4) m.errorName = value as string;
      else if (code === 8) m.signature = value as string;
    }
    messages.push(m);
    start = bodyStart + bodyLen;
  }
  return { messages, rest: buf.subarray(start) };
}

function replyOf(m: Message): Reply {
  if (m.type === 3) {
    const message = m.signature.startsWith('s') ? (m.body.basic('s') as string) : '';
    return { ok: false, error: m.errorName ?? 'error', message };
  }
  let type = m.signature.charAt(0);
  if (type === 'v') type = m.body.signature();
  return { ok: true, value: m.body.basic(type) };
}

/**
 * Connects to `address`, authenticates as this uid (EXTERNAL), says Hello and makes `calls` in order.
 * Resolves with one reply per call; rejects if the bus cannot be reached or does not answer within
 * timeoutMs. Never blocks: only asynchronous socket calls.
 */
export function callSessionBus(address: { path: string } | { abstract: string }, calls: MethodCall[], timeoutMs: number): Promise<Reply[]> {
  return new Promise((resolve, reject) => {
    // Linux abstract sockets are named with a leading NUL (unix(7)); Node passes it through.
    const socket: Socket = createConnection('path' in address ? address.path : `\0${address.abstract}`);
    const timer = setTimeout(() => finish(new Error(`the session bus did not answer within ${timeoutMs} ms`)), timeoutMs);
    let settled = false;
    const finish = (error: Error | undefined, replies?: Reply[]) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve(replies!);
    };
    const uid = process.getuid?.() ?? 0;
    let authed = false;
    let pending: Buffer = Buffer.alloc(0);
    const replies = new Map<number, Reply>();
    const all = [{ destination: 'org.freedesktop.DBus', path: '/org/freedesktop/DBus', interface: 'org.freedesktop.DBus', member: 'Hello' }, ...calls];
    socket.on('connect', () => {
      socket.write(`\0AUTH EXTERNAL ${Buffer.from(String(uid), 'ascii').toString('hex')}\r\n`);
    });
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      if (!authed) {
        const nl = pending.indexOf('\r\n');
        if (nl < 0) return;
        const line = pending.toString('ascii', 0, nl);
        pending = pending.subarray(nl + 2);
        if (!line.startsWith('OK ')) return finish(new Error(`the session bus refused us: ${line}`));
        authed = true;
        socket.write('BEGIN\r\n');
        all.forEach((call, i) => socket.write(encodeMethodCall(call, i + 1)));
      }
      const { messages, rest } = decodeMessages(pending);
      pending = rest;
      for (const m of messages) if (m.replySerial !== undefined && (m.type === 2 || m.type === 3)) replies.set(m.replySerial, replyOf(m));
      if (replies.size === all.length) finish(undefined, all.slice(1).map((_c, i) => replies.get(i + 2)!));
    });
    socket.on('error', (e) => finish(e));
    socket.on('close', () => finish(new Error('the session bus closed the connection')));
  });
}
