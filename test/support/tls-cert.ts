/**
 * Self-signed loopback certificates made with the `openssl` CLI, for HTTPS
 * fake indexes. Undefined when openssl is missing, so callers can skip with
 * a message. Plain node can run this (erasable TypeScript only).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface LoopbackCert {
  key: string;
  cert: string;
  /** The certificate written to a file: what NODE_EXTRA_CA_CERTS points at. */
  certFile: string;
  cleanup(): void;
}

/**
 * A P-256 certificate for 127.0.0.1 and localhost, valid two days; `dnsNames`
 * adds names, so a loopback server can stand for a remote host behind a proxy.
 */
export function makeLoopbackCert(name = 'pylock-attest-test', dnsNames: readonly string[] = []): LoopbackCert | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'pylock-attest-cert-'));
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        keyFile,
        '-out',
        certFile,
        '-days',
        '2',
        '-subj',
        `/CN=${name}`,
        '-addext',
        `subjectAltName=${['DNS:localhost', 'IP:127.0.0.1', ...dnsNames.map((n) => `DNS:${n}`)].join(',')}`,
      ],
      { stdio: 'ignore' },
    );
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
  return { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8'), certFile, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export const OPENSSL_MISSING = 'skipped: the openssl CLI is not installed, so no loopback certificate can be made';
