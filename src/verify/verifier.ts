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

export interface AttestationVerifier {
  verify(att: Attestation, identity: Identity, expected: ExpectedDistribution): Promise<AttestationVerdict>;
}

interface Sigstore {
  bundleFromJSON: (obj: unknown) => Bundle;
  toSignedEntity: (bundle: Bundle) => SignedEntity;
  verifier: Verifier;
}

type Fail = Extract<AttestationVerdict, { ok: false }>;
const fail = (stage: VerifyStage, reason: string): Fail => ({ ok: false, stage, reason });
const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Builds the sigstore-js Verifier once, from the trusted root; reuse it for every attestation. */
export async function createVerifier(trust: Pick<TrustRoot, 'json'>): Promise<AttestationVerifier> {
  const [bundleLib, specs, verifyLib] = await Promise.all([
    import('@sigstore/bundle'),
    import('@sigstore/protobuf-specs'),
    import('@sigstore/verify'),
  ]);
  let verifier: Verifier;
  try {
    const problem = trustedRootProblem(trust.json);
    if (problem !== undefined) throw new Error(problem);
    verifier = new verifyLib.Verifier(verifyLib.toTrustMaterial(specs.TrustedRoot.fromJSON(trust.json)));
  } catch (e) {
    throw new PylockAttestError('TRUST_ROOT', `the Sigstore trusted root is unusable: ${message(e)}`, {}, { cause: e });
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
    return fail('sigstore', `unexpected error: ${message(e)}`);
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
  if (!policy.ok) return fail('policy', policy.reason);
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
  if (!converted.ok) return fail('bundle', converted.reason);
  let bundle: Bundle;
  let entity: SignedEntity;
  try {
    bundle = s.bundleFromJSON(converted.bundle);
    entity = s.toSignedEntity(bundle);
  } catch (e) {
    return fail('bundle', message(e));
  }
  try {
    s.verifier.verify(entity);
  } catch (e) {
    return fail('sigstore', message(e));
  }
  return readVerified(bundle, entity);
}

function readVerified(bundle: Bundle, entity: SignedEntity): Signed | Fail {
  const vm = bundle.verificationMaterial;
  const entry = vm.tlogEntries[0];
  if (entity.key.$case !== 'certificate' || vm.content.$case !== 'certificate' || entry === undefined) {
    return fail('sigstore', 'bundle is not signed by a Fulcio certificate');
  }
  if (bundle.content.$case !== 'dsseEnvelope') return fail('sigstore', 'bundle has no DSSE envelope');
  const binding = checkLogBinding(entry, vm.content.certificate.rawBytes);
  if (binding !== undefined) return fail('sigstore', binding);
  let claims: CertificateClaims;
  try {
    claims = readCertificateClaims(entity.key.certificate);
  } catch (e) {
    return fail('policy', `certificate claims are malformed: ${message(e)}`);
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
