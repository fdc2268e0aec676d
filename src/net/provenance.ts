/**
 * PEP 740 provenance objects, read defensively. A body that fails here is an
 * index failure (INDEX_BODY), never a verdict about the package: a broken or
 * hostile index must not be able to turn "has provenance" into "has none".
 *
 * Shape only. Signatures, certificates and publisher claims are checked by
 * the verifier and the identity mapper.
 */
import { PylockAttestError } from '../errors.js';
import type { Attestation, AttestationBundle, Provenance, Publisher } from '../core/types.js';
import { isPlainObject, parseJsonBody } from './json.js';

/** Bounds well above anything PyPI serves (about 10 KB per attestation today). */
export const PROVENANCE_LIMITS = {
  bodyBytes: 8 * 1024 * 1024,
  depth: 32,
  bundles: 64,
  attestationsPerBundle: 64,
  entriesPerAttestation: 16,
  kindChars: 128,
  publisherJsonChars: 16 * 1024,
  certificateChars: 32 * 1024,
  entryJsonChars: 64 * 1024,
  statementChars: 256 * 1024,
  signatureChars: 4 * 1024,
} as const;

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

function fail(message: string): never {
  throw new PylockAttestError('INDEX_BODY', `provenance ${message}`);
}

function objectAt(value: unknown, where: string): Record<string, unknown> {
  if (!isPlainObject(value)) fail(`${where} is not an object`);
  return value;
}

function arrayAt(value: unknown, where: string, max: number): unknown[] {
  if (!Array.isArray(value)) fail(`${where} is not an array`);
  if (value.length === 0) fail(`${where} is empty`);
  if (value.length > max) fail(`${where} has ${value.length} items (at most ${max})`);
  return value;
}

function base64At(value: unknown, where: string, maxChars: number): string {
  if (typeof value !== 'string') fail(`${where} is not a string`);
  if (value.length > maxChars) fail(`${where} is longer than ${maxChars} characters`);
  if (!BASE64.test(value)) fail(`${where} is not base64`);
  return value;
}

function jsonSize(value: unknown): number {
  return JSON.stringify(value).length;
}

/**
 * Re-serialized JSON is at most ~5.25× its source (`1e20` → 21 digits; every
 * other construct serializes no longer than it was written), so a value
 * taken from a body of `bodyChars` cannot exceed `limit` when 6 × bodyChars
 * does not: the size check can be skipped for it.
 */
function mayExceed(bodyChars: number, limit: number): boolean {
  return bodyChars * 6 > limit;
}

/** Parses and shape-checks a provenance body (Integrity API or a Simple API `provenance` URL). */
export function parseProvenance(body: Buffer): Provenance {
  if (body.length > PROVENANCE_LIMITS.bodyBytes) fail(`body is larger than ${PROVENANCE_LIMITS.bodyBytes} bytes`);
  const root = objectAt(parseJsonBody(body, 'provenance', PROVENANCE_LIMITS.depth), 'body');
  if (root['version'] !== 1) fail('version is not 1');
  const bundles = arrayAt(root['attestation_bundles'], 'attestation_bundles', PROVENANCE_LIMITS.bundles);
  return {
    version: 1,
    attestation_bundles: bundles.map((b, i) => parseBundle(b, `attestation_bundles[${i}]`, body.length)),
  };
}

function parseBundle(value: unknown, where: string, bodyChars: number): AttestationBundle {
  const bundle = objectAt(value, where);
  const attestations = arrayAt(bundle['attestations'], `${where}.attestations`, PROVENANCE_LIMITS.attestationsPerBundle);
  return {
    publisher: parsePublisher(bundle['publisher'], `${where}.publisher`),
    attestations: attestations.map((a, i) => parseAttestation(a, `${where}.attestations[${i}]`, bodyChars)),
  };
}

/** Claim values are the identity mapper's business; here only "an object with a string kind", bounded. */
function parsePublisher(value: unknown, where: string): Publisher {
  const publisher = objectAt(value, where);
  const kind = publisher['kind'];
  if (typeof kind !== 'string' || kind === '') fail(`${where}.kind is not a non-empty string`);
  if (kind.length > PROVENANCE_LIMITS.kindChars) fail(`${where}.kind is too long`);
  if (jsonSize(publisher) > PROVENANCE_LIMITS.publisherJsonChars) fail(`${where} is too large`);
  return { ...publisher, kind };
}

function parseAttestation(value: unknown, where: string, bodyChars: number): Attestation {
  const att = objectAt(value, where);
  if (att['version'] !== 1) fail(`${where}.version is not 1`);
  const material = objectAt(att['verification_material'], `${where}.verification_material`);
  const envelope = objectAt(att['envelope'], `${where}.envelope`);
  const L = PROVENANCE_LIMITS;
  return {
    version: 1,
    verification_material: {
      certificate: base64At(material['certificate'], `${where}.verification_material.certificate`, L.certificateChars),
      transparency_entries: parseEntries(material['transparency_entries'], `${where}.verification_material.transparency_entries`, bodyChars),
    },
    envelope: {
      statement: base64At(envelope['statement'], `${where}.envelope.statement`, L.statementChars),
      signature: base64At(envelope['signature'], `${where}.envelope.signature`, L.signatureChars),
    },
  };
}

function parseEntries(value: unknown, where: string, bodyChars: number): unknown[] {
  const entries = arrayAt(value, where, PROVENANCE_LIMITS.entriesPerAttestation);
  entries.forEach((entry, i) => {
    objectAt(entry, `${where}[${i}]`);
    if (mayExceed(bodyChars, PROVENANCE_LIMITS.entryJsonChars) && jsonSize(entry) > PROVENANCE_LIMITS.entryJsonChars) fail(`${where}[${i}] is too large`);
  });
  return entries;
}
