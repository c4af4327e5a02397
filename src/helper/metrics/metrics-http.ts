// The metrics over HTTP: GET (or HEAD) /metrics answers the latest rendered text, everything else 404.
// A scrape reads what the monitor already knows: it never probes, and rendering happens once per change.
//
// Bounded, because the helper runs as root and its job is the sweep, not this port:
// - at most LIMITS.connections connections at once; beyond, one not being answered is closed, a
//   half-sent request's before a scrape's (connection-pool.ts);
// - request headers at most LIMITS.headerBytes (431 beyond), whole within LIMITS.headersMs (a client
//   that trickles them, slowloris, gets 408 and is closed), the whole request within LIMITS.requestMs;
//   garbage gets 400 and a close (Node's answers when no 'clientError' listener is set); bodies are
//   never read: a request with one is answered and its connection closed;
// - a response must be taken within LIMITS.responseMs, or the connection is destroyed: a client that
//   stops reading holds a reference to the one shared Buffer of the text, never a copy of its own;
// - idle keep-alive connections are closed after LIMITS.keepAliveMs.
// Node checks the header and request timeouts every connectionsCheckingInterval (30 s by default; 1 s
// here, so the timeouts mean what they say).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { ConnectionPool } from './connection-pool.js';
import type { ListenAddress } from './listen-address.js';

export const LIMITS = {
  connections: 16,
  headerBytes: 8192,
  headersMs: 5000,
  requestMs: 10_000,
  responseMs: 30_000,
  keepAliveMs: 5000,
  requestsPerConnection: 100,
} as const;

/** The content type of the text format, version 0.0.4. */
const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export interface MetricsEndpoint {
  /** The address actually bound (port 0 becomes the port the kernel picked). */
  readonly address: ListenAddress;
  close(): Promise<void>;
}

/** Binds and serves `text()`; rejects with the listen error (EADDRINUSE, EADDRNOTAVAIL, EACCES). */
export function serveMetrics(at: ListenAddress, text: () => Promise<Buffer>): Promise<MetricsEndpoint> {
  const pool = new ConnectionPool(LIMITS.connections);
  const server = createServer(
    {
      maxHeaderSize: LIMITS.headerBytes,
      headersTimeout: LIMITS.headersMs,
      requestTimeout: LIMITS.requestMs,
      keepAliveTimeout: LIMITS.keepAliveMs,
      connectionsCheckingInterval: 1000,
    },
    (req, res) => {
      pool.answering(req.socket, true);
      res.once('close', () => pool.answering(req.socket, false));
      void answer(req, res, text);
    },
  );
  server.on('connection', (socket: Socket) => pool.admit(socket));
  server.maxRequestsPerSocket = LIMITS.requestsPerConnection;
  // A socket idle this long (no bytes either way) is closed, whatever state its request is in.
  server.setTimeout(LIMITS.requestMs, (socket) => socket.destroy());
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: at.host, port: at.port, exclusive: true }, () => {
      server.off('error', reject);
      const bound = server.address() as AddressInfo;
      resolve({ address: { host: at.host, port: bound.port }, close: () => closeServer(server) });
    });
  });
}

async function answer(req: IncomingMessage, res: ServerResponse, text: () => Promise<Buffer>): Promise<void> {
  const deadline = setTimeout(() => req.socket.destroy(), LIMITS.responseMs);
  res.once('close', () => clearTimeout(deadline));
  // A body is never read: the connection ends with this answer rather than Node draining it for us.
  if (req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined) res.setHeader('Connection', 'close');
  const path = (req.url ?? '').split('?')[0];
  if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Not found: the metrics are at GET /metrics\n');
    return;
  }
  let body: Buffer;
  try {
    body = await text();
  } catch (err) {
    res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`Cannot render the metrics: ${(err as Error).message}\n`);
    return;
  }
  res.writeHead(200, { 'Content-Type': CONTENT_TYPE, 'Content-Length': body.length });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
