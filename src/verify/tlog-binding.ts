/**
 * Checks @sigstore/verify 4.1 leaves out, run after it has accepted a bundle.
 * Defense in depth: neither is known to be exploitable on its own.
 *
 * 1. The inclusion proof's own root hash and tree size must be the ones the
 *    signed checkpoint states (sigstore-js checks the Merkle path against the
 *    checkpoint but ignores these two fields, so they could say anything).
 * 2. A Rekor `dsse` v0.0.1 body must name the bundle's certificate as its
 *    verifier, binding the log entry to the key that signed the envelope,
 *    not only to the signature bytes.
 */
import type { TransparencyLogEntry } from '@sigstore/bundle';
import { decodeUtf8 } from './der.js';

function checkpointMatchesProof(entry: TransparencyLogEntry): string | undefined {
  const proof = entry.inclusionProof;
  if (proof?.checkpoint === undefined) return 'the transparency log entry has no inclusion proof';
  const [, size, rootB64] = proof.checkpoint.envelope.split('\n');
  if (size !== proof.treeSize) return "the inclusion proof's tree size differs from the size its signed checkpoint states";
  if (rootB64 === undefined || !Buffer.from(rootB64, 'base64').equals(proof.rootHash)) {
    return "the inclusion proof's root hash differs from the one its signed checkpoint states";
  }
  return undefined;
}

function pemToDer(pem: string): Buffer | undefined {
  const m = /^-----BEGIN CERTIFICATE-----\r?\n([A-Za-z0-9+/=\r\n]+)-----END CERTIFICATE-----\r?\n?$/.exec(pem);
  return m?.[1] === undefined ? undefined : Buffer.from(m[1].replace(/[\r\n]/g, ''), 'base64');
}

function verifierMatchesCertificate(body: unknown, certDer: Uint8Array): string | undefined {
  const spec = (body as { spec?: { signatures?: unknown } }).spec;
  const sigs = spec?.signatures;
  if (!Array.isArray(sigs) || sigs.length !== 1) return 'the transparency log entry must record exactly one signature';
  const verifier = (sigs[0] as { verifier?: unknown }).verifier;
  if (typeof verifier !== 'string') return "the transparency log entry's signature names no certificate";
  const der = pemToDer(decodeUtf8(Buffer.from(verifier, 'base64')));
  if (der === undefined || !der.equals(certDer)) return 'the transparency log entry was made for a different certificate than this attestation carries';
  return undefined;
}

export function checkLogBinding(entry: TransparencyLogEntry, certDer: Uint8Array): string | undefined {
  const proofProblem = checkpointMatchesProof(entry);
  if (proofProblem !== undefined) return proofProblem;
  // PyPI's attestations are logged as `dsse`; any other kind is not what PyPI produces.
  if (entry.kindVersion.kind !== 'dsse') return `the transparency log entry is of kind ${JSON.stringify(entry.kindVersion.kind)}, not the dsse PyPI logs`;
  if (entry.kindVersion.version !== '0.0.1') return undefined; // newer dsse bodies: sigstore-js's checks stand
  try {
    return verifierMatchesCertificate(JSON.parse(entry.canonicalizedBody.toString('utf8')), certDer);
  } catch {
    return "the transparency log entry's body is malformed";
  }
}
