/**
 * A loopback TCP server that plays an HTTPS_PROXY badly or well, written at
 * the socket level so it can do what a real proxy may: accept and stay
 * silent, answer CONNECT and then go silent, drip bytes forever, or tunnel
 * every CONNECT to one fixed port (so any host name can stand for a remote
 * index). It records each connection's request line and whether the client
 * closed it.
 *
 * Plain node can run this (erasable TypeScript only).
 */
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

export type ProxyBehaviour =
  /** Accepts, reads the CONNECT, never answers. */
  | { kind: 'silent' }
  /** Answers `200 Connection Established`, then never sends a byte (the TLS handshake stalls). */
  | { kind: 'connect-then-silent' }
  /** Sends a status line, then one header byte every `intervalMs`, forever. */
  | { kind: 'drip-headers'; intervalMs: number }
  /** Answers 200, then the start of a TLS record and one byte every `intervalMs`, forever. */
  | { kind: 'connect-then-drip'; intervalMs: number }
  /** A working proxy whose tunnels all lead to 127.0.0.1:`port` (default: the port the CONNECT names), whatever host was asked for. */
  | { kind: 'tunnel'; port?: number }
  /** Each CONNECT as the behaviour for its host (`host`, without the port) says; any other host as `otherwise`. */
  | { kind: 'by-host'; hosts: Readonly<Record<string, ProxyBehaviour>>; otherwise: ProxyBehaviour };

/** Each way a proxy can stall, and the chunks it receives before it does (CONNECT; then the TLS ClientHello). */
export const PROXY_STALLS: ReadonlyArray<readonly [name: string, behaviour: ProxyBehaviour, chunks: number]> = [
  ['accepts and never answers CONNECT', { kind: 'silent' }, 1],
  ['answers CONNECT, then stays silent through the TLS handshake', { kind: 'connect-then-silent' }, 2],
  ['drips the headers of its CONNECT answer', { kind: 'drip-headers', intervalMs: 100 }, 1],
  ['answers CONNECT, then drips a TLS record', { kind: 'connect-then-drip', intervalMs: 100 }, 2],
];

export interface TcpProxy {
  url: string;
  /** The first line of every request received (`CONNECT host:port HTTP/1.1`). */
  requests: string[];
  /** Connections accepted so far, and how many of them the client has closed. */
  connections(): { open: number; closedByClient: number; total: number };
  /** Resolves once every accepted connection is closed (the client hung up, or close()). */
  allClosed(): Promise<void>;
  /** Resolves once `count` chunks have arrived in all (the CONNECT is one; a TLS ClientHello through the tunnel the next). */
  received(count: number): Promise<void>;
  close(): Promise<void>;
}

const ESTABLISHED = 'HTTP/1.1 200 Connection Established\r\n\r\n';

export async function startTcpProxy(behaviour: ProxyBehaviour): Promise<TcpProxy> {
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  let total = 0;
  let closedByClient = 0;
  let closing = false;
  let chunks = 0;
  let waiting: Array<{ count: number; done: () => void }> = [];
  let idle: Array<() => void> = [];
  const settle = () => {
    if (sockets.size > 0) return;
    for (const done of idle) done();
    idle = [];
  };
  const server = createServer((client) => {
    total++;
    sockets.add(client);
    client.on('error', () => undefined);
    client.on('close', () => {
      if (!closing) closedByClient++;
      sockets.delete(client);
      settle();
    });
    client.once('data', (head) => {
      requests.push(head.toString('latin1').split('\r\n')[0] ?? '');
      answer(client, head, behaviour);
    });
    client.on('data', () => {
      chunks++;
      waiting = waiting.filter((w) => (chunks >= w.count ? void w.done() : true));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    connections: () => ({ open: sockets.size, closedByClient, total }),
    allClosed: () => new Promise((resolve) => (sockets.size === 0 ? resolve() : idle.push(resolve))),
    received: (count) => new Promise((resolve) => (chunks >= count ? resolve() : waiting.push({ count, done: resolve }))),
    close: () =>
      new Promise((resolve) => {
        closing = true;
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function answer(client: Socket, head: Buffer, behaviour: ProxyBehaviour): void {
  switch (behaviour.kind) {
    case 'silent':
      return;
    case 'connect-then-silent':
      client.write(ESTABLISHED);
      return;
    case 'drip-headers':
      client.write('HTTP/1.1 200 Connection Established\r\n');
      return drip(client, 'X-Drip: aaaaaaaaaaaaaaaa\r\n', behaviour.intervalMs);
    case 'connect-then-drip':
      // A TLS handshake record header announcing 16 KiB, then its body a byte at a time.
      client.write(Buffer.concat([Buffer.from(ESTABLISHED), Buffer.from([0x16, 0x03, 0x03, 0x40, 0x00])]));
      return drip(client, 'x', behaviour.intervalMs);
    case 'tunnel':
      return tunnel(client, head, behaviour.port ?? connectPort(head));
    case 'by-host':
      return answer(client, head, behaviour.hosts[connectHost(head)] ?? behaviour.otherwise);
  }
}

/** `index.example:443` of `CONNECT index.example:443 HTTP/1.1`. */
const connectTarget = (head: Buffer): string => head.toString('latin1').split('\r\n')[0]?.split(' ')[1] ?? '';
const connectHost = (head: Buffer): string => connectTarget(head).replace(/:\d+$/, '');
const connectPort = (head: Buffer): number => Number(/:(\d+)$/.exec(connectTarget(head))?.[1] ?? 443);

function drip(client: Socket, text: string, intervalMs: number): void {
  let i = 0;
  const timer = setInterval(() => client.write(text[i++ % text.length]!), intervalMs);
  client.on('close', () => clearInterval(timer));
}

function tunnel(client: Socket, head: Buffer, port: number): void {
  // Anything after the CONNECT's blank line is the start of the tunnelled stream.
  const end = head.indexOf('\r\n\r\n');
  const rest = end < 0 ? Buffer.alloc(0) : head.subarray(end + 4);
  const upstream = connect(port, '127.0.0.1', () => {
    client.write(ESTABLISHED);
    if (rest.length > 0) upstream.write(rest);
    upstream.pipe(client);
    client.pipe(upstream);
  });
  upstream.on('error', () => client.destroy());
  client.on('close', () => upstream.destroy());
}
