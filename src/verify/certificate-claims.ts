/**
 * The Fulcio certificate claims the publisher policy compares, decoded
 * strictly from the leaf certificate sigstore-js has just verified.
 * OIDs: https://github.com/sigstore/fulcio/blob/main/docs/oid-info.md
 */
import type { X509Certificate } from '@sigstore/core';
import { decodeDerUtf8String, decodeSubjectAltNames, decodeUtf8, DerError } from './der.js';

export const OID = {
  issuerV1: '1.3.6.1.4.1.57264.1.1',
  issuerV2: '1.3.6.1.4.1.57264.1.8',
  sourceRepositoryUri: '1.3.6.1.4.1.57264.1.12',
  sourceRepositoryDigest: '1.3.6.1.4.1.57264.1.13',
  sourceRepositoryRef: '1.3.6.1.4.1.57264.1.14',
  buildConfigUri: '1.3.6.1.4.1.57264.1.18',
  subjectAltName: '2.5.29.17',
} as const;

export interface CertificateClaims {
  /** 1.1, deprecated: the raw issuer string, not DER. */
  issuerV1?: string;
  /** 1.8 and later: DER UTF8String. */
  issuerV2?: string;
  sourceRepositoryUri?: string;
  sourceRepositoryDigest?: string;
  sourceRepositoryRef?: string;
  buildConfigUri?: string;
  sanEmails: string[];
  sanUris: string[];
}

/** Raw extnValue bytes by OID. Throws on a repeated OID (RFC 5280 forbids it, and a lookup that takes "the first" could be steered). */
function extensionValues(cert: X509Certificate): Map<string, Uint8Array> {
  const values = new Map<string, Uint8Array>();
  for (const ext of cert.extensions) {
    const oid = ext.subs[0]?.toOID();
    const value = ext.subs[ext.subs.length - 1]?.value;
    if (oid === undefined || value === undefined) throw new DerError('malformed extension');
    if (values.has(oid)) throw new DerError(`extension ${oid} appears more than once`);
    values.set(oid, value);
  }
  return values;
}

function optional<T>(raw: Uint8Array | undefined, decode: (b: Uint8Array) => T): T | undefined {
  return raw === undefined ? undefined : decode(raw);
}

/** Decodes the claims; throws DerError when a claim we rely on is malformed. */
export function readCertificateClaims(cert: X509Certificate): CertificateClaims {
  const ext = extensionValues(cert);
  const san = optional(ext.get(OID.subjectAltName), decodeSubjectAltNames);
  return {
    issuerV1: optional(ext.get(OID.issuerV1), decodeUtf8),
    issuerV2: optional(ext.get(OID.issuerV2), decodeDerUtf8String),
    sourceRepositoryUri: optional(ext.get(OID.sourceRepositoryUri), decodeDerUtf8String),
    sourceRepositoryDigest: optional(ext.get(OID.sourceRepositoryDigest), decodeDerUtf8String),
    sourceRepositoryRef: optional(ext.get(OID.sourceRepositoryRef), decodeDerUtf8String),
    buildConfigUri: optional(ext.get(OID.buildConfigUri), decodeDerUtf8String),
    sanEmails: san?.emails ?? [],
    sanUris: san?.uris ?? [],
  };
}
