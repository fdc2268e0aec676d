/**
 * Verifies one PEP 740 attestation for one file against one expected
 * Trusted Publisher identity. "Verified" means all of:
 *
 *   bundle     the attestation converts to a well-formed Sigstore bundle v0.3;
 *   sigstore   @sigstore/verify accepts it (Fulcio chain at signing time, SCT,
 *              Rekor promise + inclusion proof + checkpoint, body match, DSSE
 *              signature), plus our log-binding checks;
 *   policy     the certificate's claims are exactly the identity's;
 *   statement  the signed statement names exactly this file and digest.
 *
 * Anything else is `ok: false` with the stage that failed; nothing here throws
 * on bad input. The sigstore packages load lazily, on the verify path only,
 * so that importing this module (and `--help`) stays cheap.
 */
import type { Bundle } from '@sigstore/bundle';
import type { SignedEntity, Verifier } from '@sigstore/verify';
import type { Attestation, ExpectedDistribution, Identity } from '../core/types.js';
import { PylockAttestError } from '../errors.js';
import { attestationToBundleJSON } from './bundle.js';
import { readCertificateClaims, type CertificateClaims } from './certificate-claims.js';
import { checkPublisher } from './policy.js';
import { checkStatement } from './statement.js';
import { checkLogBinding } from './tlog-binding.js';
import type { TrustRoot } from './trust.js';
import { trustedRootProblem } from './trusted-root-shape.js';

export type VerifyStage = 'bundle' | 'sigstore' | 'policy' | 'statement';

export interface VerifiedCertificate {
  issuer: string;
  san: string;
  sourceRepositoryUri?: string;
  buildConfigUri?: string;
  sourceRepositoryRef?: string;
  sourceRepositoryDigest?: string;
}

export type AttestationVerdict =
  | {
      ok: true;
      predicateType: string;
      certificate: VerifiedCertificate;
      /** Identity keys no certificate claim backs (e.g. `environment`): the index's word only. */
      unverifiedIdentityKeys: string[];
      /** Rekor's integrated time, ISO 8601. */
      signedAt: string;
    }
  | { ok: false; stage: VerifyStage; reason: string };

/**
 * The bytes an attestation was parsed from: the provenance document as the
 * index served it, and the attestation's position in it. Parsing is
 * deterministic, so this names exactly the object the verifier sees: the
 * verdict cache keys on it (no re-serializing to hash), and a worker thread
 * is sent these bytes instead of a structured clone of the parsed object.
 */
export interface AttestationSource {
  document: Uint8Array;
  /** sha256 hex of `document`. */
  digest: string;
  bundle: number;
  attestation: number;
}

export interface AttestationVerifier {
  /** `source`, when given, holds `att` at its position (a verifier may read it from there). */
  verify(att: Attestation, identity: Identity, expected: ExpectedDistribution, source?: AttestationSource): Promise<AttestationVerdict>;
}

interface Sigstore {
  bundleFromJSON: (obj: unknown) => Bundle;
  toSignedEntity: (bundle: Bundle) => SignedEntity;
  verifier: Verifier;
}

type Fail = Extract<AttestationVerdict, { ok: false }>;
const fail = (stage: VerifyStage, reason: string): Fail => ({ ok: false, stage, reason });
const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

// ---------------------------------------------------------------------------
// What went wrong, in words a user can act on. Every failure reason a verdict
// carries is written here (and by the checks it calls), from sigstore-js's
// codes and messages; its own text is kept in parentheses for a bug report.
// ---------------------------------------------------------------------------

/** sigstore-js VerificationError code (and message pattern) → what it means. First match wins. */
const SIGSTORE_ERRORS: ReadonlyArray<readonly [code: string, pattern: RegExp | undefined, text: string]> = [
  [
    'TLOG_INCLUSION_PROOF_ERROR',
    /^invalid index/,
    "the inclusion proof's log index lies outside the tree its checkpoint signs: the log entry's index or proof was altered",
  ],
  ['TLOG_INCLUSION_PROOF_ERROR', /log index/, "the inclusion proof's log index is not a number"],
  ['TLOG_INCLUSION_PROOF_ERROR', /hash count/, 'the inclusion proof has the wrong number of hashes for its position in the log'],
  ['TLOG_INCLUSION_PROOF_ERROR', /root hash/, "the inclusion proof does not lead to the checkpoint's root hash: the log entry or its proof was altered"],
  ['TLOG_INCLUSION_PROOF_ERROR', /signature|no signatures/, "the inclusion proof's checkpoint is not signed by a transparency log in the trusted root"],
  ['TLOG_INCLUSION_PROOF_ERROR', undefined, "the inclusion proof's checkpoint is malformed"],
  [
    'TLOG_INCLUSION_PROMISE_ERROR',
    undefined,
    "the transparency log's signed promise does not match the entry: its log index, integrated time, log ID or body was altered, or another log signed it",
  ],
  ['TLOG_BODY_ERROR', undefined, 'the transparency log entry records a different signature, statement or certificate than this attestation carries'],
  ['TLOG_MISSING_INCLUSION_ERROR', undefined, 'the transparency log entry has neither a verifiable inclusion proof nor a signed promise'],
  ['TLOG_ERROR', undefined, 'the attestation does not carry exactly one transparency log entry'],
  ['CERTIFICATE_ERROR', /not valid or expired/, 'the certificate was not valid at the time the transparency log recorded the signature'],
  ['CERTIFICATE_ERROR', /SCT/, "the certificate's embedded certificate-transparency timestamp (SCT) does not verify against a CT log in the trusted root"],
  [
    'CERTIFICATE_ERROR',
    undefined,
    'the certificate does not chain to a Fulcio certificate authority in the trusted root (signed by another Sigstore instance, e.g. staging, or not by Sigstore at all)',
  ],
  [
    'PUBLIC_KEY_ERROR',
    undefined,
    'the transparency log or CT log that signed it is not in the trusted root, or its key was not valid at that time (signed by another Sigstore instance, e.g. staging?)',
  ],
  ['SIGNATURE_ERROR', undefined, "the signature does not verify with the certificate's key: the statement or the signature was altered"],
  ['TIMESTAMP_ERROR', undefined, 'its signing time cannot be established from the transparency log'],
];

/**
 * An error from @sigstore/verify's `verify`: never a pass, always a reason.
 * The most specific error wins: "Failed to verify certificate chain" wraps
 * the reason in its `cause` ("not valid or expired at the specified date").
 */
function describeSigstoreError(e: unknown): string {
  const chain: unknown[] = [e];
  for (let cause = causeOf(e); cause !== undefined && chain.length < 5; cause = causeOf(cause)) chain.push(cause);
  const raw = chain.map(message).join(': ');
  for (const err of chain.reverse()) {
    const code = (err as { code?: unknown } | null)?.code;
    const text = message(err);
    const known = typeof code === 'string' ? SIGSTORE_ERRORS.find(([c, p]) => c === code && (p === undefined || p.test(text))) : undefined;
    if (known !== undefined) return `${known[2]} (sigstore: ${raw})`;
  }
  return `Sigstore verification failed: ${raw}`;
}

function causeOf(e: unknown): unknown {
  const cause = (e as { cause?: unknown } | null)?.cause;
  return cause instanceof Error ? cause : undefined;
}

/** @sigstore/bundle's ValidationError names missing fields; say which part of the attestation is missing. */
const BUNDLE_FIELDS: ReadonlyArray<readonly [RegExp, string]> = [
  [/inclusionProof\.checkpoint$/, "the transparency log entry's inclusion proof has no checkpoint"],
  [/inclusionProof$/, 'the transparency log entry has no inclusion proof'],
  [/logId$/, 'the transparency log entry has no log ID'],
  [/kindVersion$/, 'the transparency log entry has no kind and version'],
  [/dsseEnvelope\.payload$/, 'the statement is empty'],
  [/signatures/, 'the envelope does not hold exactly one signature'],
  [/certificate/, 'the certificate is empty'],
];

/** Building a bundle from the attestation (@sigstore/bundle, then parsing the certificate) failed. */
function describeBundleError(e: unknown, step: 'bundle' | 'certificate'): string {
  const raw = message(e);
  if (step === 'certificate') return `the certificate is not valid DER (not an X.509 certificate sigstore can read: ${raw})`;
  const fields = (e as { fields?: unknown } | null)?.fields;
  if (Array.isArray(fields) && fields.length > 0) {
    const named = fields.map((f) => BUNDLE_FIELDS.find(([p]) => p.test(String(f)))?.[1] ?? `${String(f)} is missing or empty`);
    return [...new Set(named)].join('; ');
  }
  return `the attestation's Sigstore material is malformed (${raw})`;
}

/** Builds the sigstore-js Verifier once, from the trusted root; reuse it for every attestation. */
export async function createVerifier(trust: Pick<TrustRoot, 'json'>): Promise<AttestationVerifier> {
  const [bundleLib, specs, verifyLib] = await Promise.all([import('@sigstore/bundle'), import('@sigstore/protobuf-specs'), import('@sigstore/verify')]);
  let verifier: Verifier;
  try {
    const problem = trustedRootProblem(trust.json);
    if (problem !== undefined) throw new Error(problem);
    verifier = new verifyLib.Verifier(verifyLib.toTrustMaterial(specs.TrustedRoot.fromJSON(trust.json)));
  } catch (e) {
    throw new PylockAttestError(
      'TRUST_ROOT',
      `the Sigstore trusted root is unusable: ${message(e)}`,
      { hint: 'pass a Sigstore trusted_root.json with --trusted-root, or drop it to use the production root' },
      { cause: e },
    );
  }
  const sigstore: Sigstore = {
    bundleFromJSON: bundleLib.bundleFromJSON,
    toSignedEntity: (b) => verifyLib.toSignedEntity(b),
    verifier,
  };
  return { verify: async (att, identity, expected) => verifySafely(sigstore, att, identity, expected) };
}

/** Safety net: every step already maps its failures, but an input we did not foresee must still end as "could not verify". */
function verifySafely(s: Sigstore, att: unknown, identity: unknown, expected: unknown): AttestationVerdict {
  try {
    return verifyAttestation(s, att, identity, expected);
  } catch (e) {
    return fail('sigstore', `it could not be checked (unexpected error: ${message(e)})`);
  }
}

interface Signed {
  claims: CertificateClaims;
  payloadType: string;
  payload: Buffer;
  integratedTime: string;
}

function verifyAttestation(s: Sigstore, att: unknown, identity: unknown, expected: unknown): AttestationVerdict {
  const signed = verifySignature(s, att);
  if ('ok' in signed) return signed;
  if (!isIdentity(identity)) return fail('policy', 'identity is not a table with a string kind');
  const policy = checkPublisher(identity, signed.claims);
  if (!policy.ok) return fail('policy', `the certificate does not prove the publisher the index names: ${policy.reason}`);
  if (!isExpected(expected)) return fail('statement', 'expected distribution needs a filename and a sha256');
  const statement = checkStatement(signed.payloadType, signed.payload, expected);
  if (!statement.ok) return fail('statement', statement.reason);
  return {
    ok: true,
    predicateType: statement.predicateType,
    certificate: certificateSummary(signed.claims),
    unverifiedIdentityKeys: policy.unverifiedKeys,
    signedAt: new Date(Number(signed.integratedTime) * 1000).toISOString(),
  };
}

/** Stages 'bundle' and 'sigstore': returns what the signature vouches for, read from the verified objects. */
function verifySignature(s: Sigstore, att: unknown): Signed | Fail {
  const converted = attestationToBundleJSON(att);
  if (!converted.ok) return fail('bundle', `the attestation is malformed: ${converted.reason}`);
  let bundle: Bundle;
  let entity: SignedEntity;
  try {
    bundle = s.bundleFromJSON(converted.bundle);
  } catch (e) {
    return fail('bundle', describeBundleError(e, 'bundle'));
  }
  try {
    // The only parsing toSignedEntity does for a PEP 740 bundle is the certificate's.
    entity = s.toSignedEntity(bundle);
  } catch (e) {
    return fail('bundle', describeBundleError(e, 'certificate'));
  }
  try {
    s.verifier.verify(entity);
  } catch (e) {
    return fail('sigstore', describeSigstoreError(e));
  }
  return readVerified(bundle, entity);
}

function readVerified(bundle: Bundle, entity: SignedEntity): Signed | Fail {
  const vm = bundle.verificationMaterial;
  const entry = vm.tlogEntries[0];
  if (entity.key.$case !== 'certificate' || vm.content.$case !== 'certificate' || entry === undefined) {
    return fail('sigstore', 'the attestation is not signed with a Fulcio certificate');
  }
  if (bundle.content.$case !== 'dsseEnvelope') return fail('sigstore', 'the attestation has no DSSE envelope');
  const binding = checkLogBinding(entry, vm.content.certificate.rawBytes);
  if (binding !== undefined) return fail('sigstore', binding);
  let claims: CertificateClaims;
  try {
    claims = readCertificateClaims(entity.key.certificate);
  } catch (e) {
    return fail('policy', `the certificate's Fulcio extensions are malformed (${message(e)})`);
  }
  const env = bundle.content.dsseEnvelope;
  return { claims, payloadType: env.payloadType, payload: env.payload, integratedTime: entry.integratedTime };
}

function certificateSummary(c: CertificateClaims): VerifiedCertificate {
  return {
    issuer: c.issuerV2 ?? c.issuerV1 ?? '',
    san: c.sanUris[0] ?? c.sanEmails[0] ?? '',
    sourceRepositoryUri: c.sourceRepositoryUri,
    buildConfigUri: c.buildConfigUri,
    sourceRepositoryRef: c.sourceRepositoryRef,
    sourceRepositoryDigest: c.sourceRepositoryDigest,
  };
}

function isIdentity(v: unknown): v is Identity {
  return typeof v === 'object' && v !== null && typeof (v as { kind?: unknown }).kind === 'string';
}

function isExpected(v: unknown): v is ExpectedDistribution {
  const e = v as Partial<ExpectedDistribution> | null;
  return typeof e === 'object' && e !== null && typeof e.filename === 'string' && typeof e.sha256 === 'string';
}
