/**
 * Spellings of this machine and its link that a hostile index could put in
 * a URL, each with the kind `localKind` must find once WHATWG URL parsing
 * has normalized it. Shared by the classifier's unit tests and the CLI test
 * that serves each one from a "remote" index. Add a row to test a new form.
 *
 * Plain node can run this (erasable TypeScript only).
 */
import { createServer } from 'node:net';

export type Kind = 'loopback' | 'unspecified' | 'link-local' | 'cloud metadata';

export const LOCAL_HOSTS: ReadonlyArray<readonly [host: string, kind: Kind]> = [
  // 127.0.0.0/8, in every spelling the URL parser turns into a dotted quad
  ['127.0.0.1', 'loopback'],
  ['127.255.255.254', 'loopback'],
  ['127.1', 'loopback'],
  ['0x7f.1', 'loopback'],
  ['0x7f000001', 'loopback'],
  ['2130706433', 'loopback'],
  ['0177.0.0.1', 'loopback'],
  ['017700000001', 'loopback'],
  ['127.0.0.1.', 'loopback'],
  ['%31%32%37.0.0.1', 'loopback'],
  // IPv6 loopback, and IPv4 loopback carried in IPv6
  ['[::1]', 'loopback'],
  ['[0:0:0:0:0:0:0:1]', 'loopback'],
  ['[::ffff:127.0.0.1]', 'loopback'],
  ['[::ffff:7f00:1]', 'loopback'],
  ['[::127.0.0.1]', 'loopback'],
  ['[::ffff:0:127.0.0.1]', 'loopback'],
  ['[64:ff9b::127.0.0.1]', 'loopback'],
  // names that mean this machine (RFC 6761), trailing dots and case included
  ['localhost', 'loopback'],
  ['localhost.', 'loopback'],
  ['LOCALHOST', 'loopback'],
  ['ｌｏｃａｌｈｏｓｔ', 'loopback'],
  ['evil.localhost', 'loopback'],
  ['evil.localhost.', 'loopback'],
  // unspecified: Linux connects these to loopback
  ['0.0.0.0', 'unspecified'],
  ['0', 'unspecified'],
  ['0.1.2.3', 'unspecified'],
  ['[::]', 'unspecified'],
  ['[::ffff:0.0.0.0]', 'unspecified'],
  // link-local, and the cloud metadata services in it (or next to it)
  ['169.254.169.254', 'link-local'],
  ['169.254.0.1', 'link-local'],
  ['[fe80::1]', 'link-local'],
  ['[febf::1]', 'link-local'],
  ['[::ffff:169.254.169.254]', 'link-local'],
  ['[fd00:ec2::254]', 'cloud metadata'],
];

/** Hosts that are not this machine: private ranges included (docs/decisions.md says why). */
export const OTHER_HOSTS: readonly string[] = [
  'pypi.org',
  'localhost.example',
  'mylocalhost',
  '127.0.0.1.example',
  '128.0.0.1',
  '126.255.255.255',
  '1.0.0.0',
  '169.255.0.1',
  '10.0.0.1',
  '192.168.1.1',
  '172.16.0.1',
  '[fec0::1]',
  '[fc00::1]',
  '[fd00:ec2::253]',
  '[2001:db8::1]',
  '[::ffff:10.0.0.1]',
  '[::2:0:0:1]',
  '[2002:7f00:1::]',
];

/** A loopback URL nothing listens on: a connection there is refused at once (a proxy that refuses, an index that is down). */
export async function closedPort(): Promise<string> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise<void>((done) => server.close(() => done()));
  return `http://127.0.0.1:${port}`;
}
