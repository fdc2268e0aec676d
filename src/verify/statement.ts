/**
 * The in-toto statement check: is the verified payload about *this* file?
 * @sigstore/verify proves who signed the payload, never what it says; this
 * is what stops a valid attestation for one file from vouching for another.
 */
import type { ExpectedDistribution } from '../core/types.js';
import { decodeUtf8 } from './der.js';
import { sameDistribution } from '../core/distribution-filename.js';

export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
export const STATEMENT_TYPE_V1 = 'https://in-toto.io/Statement/v1';
export const PREDICATE_TYPES: ReadonlySet<string> = new Set(['https://docs.pypi.org/attestations/publish/v1', 'https://slsa.dev/provenance/v1']);

export type StatementResult = { ok: true; predicateType: string } | { ok: false; reason: string };

/** sha256 as PyPI signs it and as the lockfile records it (core/lockfile.ts lowercases it): 64 lowercase hex digits. */
const SHA256_HEX = /^[0-9a-f]{64}$/;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseStatement(payload: Uint8Array): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(decodeUtf8(payload));
    return isRecord(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Exactly one subject, about this file. The digest is compared as an exact
 * string, as pypi-attestations does (`digest != dist.digest`, where
 * dist.digest is `hashlib...hex()`: lowercase). An uppercase digest in a
 * statement is therefore not this file's: PyPI never signs one.
 */
function checkSubject(subject: unknown, expected: ExpectedDistribution): string | undefined {
  if (!Array.isArray(subject) || subject.length !== 1) return 'the signed statement must name exactly one subject';
  const only: unknown = subject[0];
  if (!isRecord(only) || typeof only.name !== 'string' || !isRecord(only.digest)) return "the signed statement's subject is malformed";
  const digest = only.digest.sha256;
  if (typeof digest !== 'string') return "the signed statement's subject has no sha256 digest";
  if (!SHA256_HEX.test(expected.sha256) || digest !== expected.sha256) {
    return `the signed statement is about sha256 ${JSON.stringify(digest.slice(0, 80))}, not the file's ${expected.sha256} (compared exactly, as lowercase hex)`;
  }
  if (!sameDistribution(only.name, expected.filename)) return `the signed statement is about ${JSON.stringify(only.name)}, not ${expected.filename}`;
  return undefined;
}

/** Checks the DSSE payload sigstore-js verified (never a second copy of it). */
export function checkStatement(payloadType: string, payload: Uint8Array, expected: ExpectedDistribution): StatementResult {
  if (payloadType !== IN_TOTO_PAYLOAD_TYPE)
    return { ok: false, reason: `the signed payload is of type ${JSON.stringify(payloadType)}, not an in-toto statement` };
  const statement = parseStatement(payload);
  if (statement === undefined) return { ok: false, reason: 'the signed statement is not a JSON object' };
  if (statement._type !== STATEMENT_TYPE_V1) return { ok: false, reason: 'the signed statement is not an in-toto v1 Statement' };
  const subjectProblem = checkSubject(statement.subject, expected);
  if (subjectProblem !== undefined) return { ok: false, reason: subjectProblem };
  const predicateType = statement.predicateType;
  if (typeof predicateType !== 'string' || !PREDICATE_TYPES.has(predicateType)) {
    return { ok: false, reason: `the signed statement's predicate type ${JSON.stringify(predicateType)} is not one PyPI issues` };
  }
  return { ok: true, predicateType };
}
