/**
 * Mints PEP 740 attestations that verify, fully offline, against a private
 * mock Sigstore (Fulcio CA + CT log + Rekor) running in this process.
 * Used by tests, the offline demo and the benchmarks.
 *
 * Runs under plain `node` (type stripping) as well as vitest, so: erasable
 * TypeScript only, no imports from ../../src, explicit extensions.
 *
 * Recipe (SPEC-NOTES "Minting verifiable test attestations offline"):
 * the mock's CA/CT/tlog objects are called directly (no HTTP); the Rekor
 * `dsse` v0.0.1 body is built here (the mock logs whatever it is given); the
 * inclusion proof and checkpoint are computed and signed here, since bundle
 * v0.3 needs both the proof and the promise; validFor.start is a day back,
 * because integratedTime is rounded down to whole seconds.
 */
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { initializeCA, initializeCTLog, initializeTLog } from '@sigstore/mock';

export type MintPublisher =
  | { kind: 'GitHub'; repository: string; workflow: string }
  | { kind: 'GitLab'; repository: string; workflow_filepath: string }
  | { kind: 'Google'; email: string };

export interface MintOptions {
  filename: string;
  sha256: string;
  publisher: MintPublisher;
  predicateType?: string;
  /** Git ref the "build" ran on (GitHub/GitLab). Default refs/tags/v1.0.0. */
  ref?: string;
  /** Certificate extension overrides by OID: a string replaces (DER UTF8String), null removes. */
  claims?: Record<string, string | null>;
  /** Replaces the whole in-toto statement (signed as given), to test statement checks. */
  statement?: unknown;
  /**
   * When the log records the entry (default: now). The certificate is valid
   * for the 10 minutes from its issue (now), so a time outside them is a
   * certificate used outside its validity window.
   */
  loggedAt?: Date;
}

export interface MintedAttestation {
  version: 1;
  verification_material: { certificate: string; transparency_entries: Record<string, unknown>[] };
  envelope: { statement: string; signature: string };
}

/** Several files of one release, signed by one publisher in one "build". */
export interface MintBatchOptions {
  publisher: MintPublisher;
  ref?: string;
  files: Array<{ filename: string; sha256: string; predicateType?: string }>;
}

export interface MockSigstore {
  /** A trusted_root.json object trusting only this mock's CA, CT log and Rekor. */
  trustedRoot: unknown;
  mint(o: MintOptions): Promise<MintedAttestation>;
  /**
   * One attestation per file, all signed with one ephemeral key and one
   * certificate (issuing it is ~90% of minting), each with its own statement,
   * signature and log entry. Each verifies on its own exactly as `mint`'s do;
   * for benchmarks that need thousands.
   */
  mintBatch(o: MintBatchOptions): Promise<MintedAttestation[]>;
}

type KeyPair = { publicKey: KeyObject; privateKey: KeyObject };
type CA = Awaited<ReturnType<typeof initializeCA>>;
type TLog = Awaited<ReturnType<typeof initializeTLog>>;

const TLOG_URL = 'https://rekor.mock.pylock-attest.invalid';
const TLOG_HOST = new URL(TLOG_URL).host;
const FULCIO_URL = 'https://fulcio.mock.pylock-attest.invalid';
const CTLOG_URL = 'https://ctfe.mock.pylock-attest.invalid';
const IN_TOTO = 'application/vnd.in-toto+json';
const PUBLISH_V1 = 'https://docs.pypi.org/attestations/publish/v1';

const OID_ISSUER_V1 = '1.3.6.1.4.1.57264.1.1';
const OID_ISSUER_V2 = '1.3.6.1.4.1.57264.1.8';
const OID_BUILD_SIGNER_URI = '1.3.6.1.4.1.57264.1.9';
const OID_SOURCE_REPO_URI = '1.3.6.1.4.1.57264.1.12';
const OID_SOURCE_REPO_DIGEST = '1.3.6.1.4.1.57264.1.13';
const OID_SOURCE_REPO_REF = '1.3.6.1.4.1.57264.1.14';
const OID_BUILD_CONFIG_URI = '1.3.6.1.4.1.57264.1.18';

/** The bytes of any view (the mock returns ArrayBufferViews), without a copy. */
const bytesOf = (b: ArrayBufferView): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength);
const b64 = (b: ArrayBufferView): string => bytesOf(b).toString('base64');
const sha256 = (...parts: Uint8Array[]): Buffer => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};
const ecKeyPair = (): KeyPair => generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const spki = (k: KeyObject): Buffer<ArrayBuffer> => Buffer.from(k.export({ type: 'spki', format: 'der' }));

export async function createMockSigstore(): Promise<MockSigstore> {
  const tlogKeys = ecKeyPair();
  const ctLog = await initializeCTLog(ecKeyPair());
  const ca = await initializeCA(ecKeyPair(), ctLog);
  const tlog = await initializeTLog(TLOG_URL, tlogKeys);
  const trustedRoot = buildTrustedRoot(ca, ctLog, spki(tlogKeys.publicKey));
  return {
    trustedRoot,
    mint: async (o) => mintAttestation(ca, o.loggedAt === undefined ? tlog : await initializeTLog(TLOG_URL, tlogKeys, o.loggedAt), tlogKeys.privateKey, o),
    mintBatch: (o) => mintBatch(ca, tlog, tlogKeys.privateKey, o),
  };
}

function buildTrustedRoot(ca: CA, ctLog: { publicKey: Buffer; logID: ArrayBufferView }, tlogKey: Buffer): unknown {
  // A day back: a start of "now" fails the chain for entries minted in the same second.
  const validFor = { start: new Date(Date.now() - 24 * 3600 * 1000).toISOString() };
  const key = (raw: ArrayBufferView) => ({ rawBytes: b64(raw), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor });
  return {
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [{ baseUrl: TLOG_URL, hashAlgorithm: 'SHA2_256', publicKey: key(tlogKey), logId: { keyId: b64(sha256(tlogKey)) } }],
    certificateAuthorities: [
      {
        subject: { organization: 'sigstore.mock', commonName: 'sigstore' },
        uri: FULCIO_URL,
        certChain: { certificates: [{ rawBytes: b64(ca.rootCertificate) }] },
        validFor,
      },
    ],
    ctlogs: [{ baseUrl: CTLOG_URL, hashAlgorithm: 'SHA2_256', publicKey: key(ctLog.publicKey), logId: { keyId: b64(ctLog.logID) } }],
    timestampAuthorities: [],
  };
}

/** DSSE pre-authentication encoding: what the signature covers. */
function pae(type: string, payload: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`DSSEv1 ${Buffer.byteLength(type)} ${type} ${payload.length} `), payload]);
}

function statementFor(o: MintOptions): unknown {
  if (o.statement !== undefined) return o.statement;
  return {
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name: o.filename, digest: { sha256: o.sha256 } }],
    predicateType: o.predicateType ?? PUBLISH_V1,
    predicate: null,
  };
}

async function mintAttestation(ca: CA, tlog: TLog, tlogPrivate: KeyObject, o: MintOptions): Promise<MintedAttestation> {
  const payload = Buffer.from(JSON.stringify(statementFor(o)));
  const signer = ecKeyPair();
  const signature = sign('sha256', pae(IN_TOTO, payload), signer.privateKey);
  const { san, claims } = fulcioClaims(o.publisher, o.ref ?? 'refs/tags/v1.0.0', o.claims ?? {});
  const cert = bytesOf(await ca.issueCertificate({ publicKey: spki(signer.publicKey), subjectAltName: san, extensions: claims }));
  const entry = await logEntry(tlog, tlogPrivate, rekorDsseBody(payload, signature, cert));
  return {
    version: 1,
    verification_material: { certificate: cert.toString('base64'), transparency_entries: [entry] },
    envelope: { statement: payload.toString('base64'), signature: signature.toString('base64') },
  };
}

async function mintBatch(ca: CA, tlog: TLog, tlogPrivate: KeyObject, o: MintBatchOptions): Promise<MintedAttestation[]> {
  const signer = ecKeyPair();
  const { san, claims } = fulcioClaims(o.publisher, o.ref ?? 'refs/tags/v1.0.0', {});
  const cert = bytesOf(await ca.issueCertificate({ publicKey: spki(signer.publicKey), subjectAltName: san, extensions: claims }));
  const out: MintedAttestation[] = [];
  for (const file of o.files) {
    const payload = Buffer.from(JSON.stringify(statementFor({ ...file, publisher: o.publisher })));
    const signature = sign('sha256', pae(IN_TOTO, payload), signer.privateKey);
    const entry = await logEntry(tlog, tlogPrivate, rekorDsseBody(payload, signature, cert));
    out.push({
      version: 1,
      verification_material: { certificate: cert.toString('base64'), transparency_entries: [entry] },
      envelope: { statement: payload.toString('base64'), signature: signature.toString('base64') },
    });
  }
  return out;
}

type Extension = { oid: string; value: string; legacy?: boolean };

/** The SAN and extensions Fulcio would issue for each publisher's OIDC token. */
function fulcioClaims(p: MintPublisher, ref: string, overrides: Record<string, string | null>): { san: string; claims: Extension[] } {
  const sha = randomBytes(20).toString('hex');
  let san: string;
  let issuer: string;
  const ext: Record<string, string> = {};
  if (p.kind === 'Google') {
    san = p.email;
    issuer = 'https://accounts.google.com';
  } else {
    const repoUri = p.kind === 'GitHub' ? `https://github.com/${p.repository}` : `https://gitlab.com/${p.repository}`;
    const config = p.kind === 'GitHub' ? `${repoUri}/.github/workflows/${p.workflow}` : `${repoUri}//${p.workflow_filepath}`;
    san = `${config}@${ref}`;
    issuer = p.kind === 'GitHub' ? 'https://token.actions.githubusercontent.com' : 'https://gitlab.com';
    Object.assign(ext, {
      [OID_BUILD_SIGNER_URI]: san,
      [OID_SOURCE_REPO_URI]: repoUri,
      [OID_SOURCE_REPO_DIGEST]: sha,
      [OID_SOURCE_REPO_REF]: ref,
      [OID_BUILD_CONFIG_URI]: san,
    });
  }
  ext[OID_ISSUER_V2] = issuer;
  return { san, claims: applyOverrides(issuer, ext, overrides) };
}

function applyOverrides(issuer: string, ext: Record<string, string>, overrides: Record<string, string | null>): Extension[] {
  let v1: string | null = issuer;
  for (const [oid, value] of Object.entries(overrides)) {
    if (oid === OID_ISSUER_V1) v1 = value;
    else if (value === null) delete ext[oid];
    else ext[oid] = value;
  }
  const list: Extension[] = Object.entries(ext).map(([oid, value]) => ({ oid, value }));
  // 1.1 is the deprecated raw (non-DER) issuer; Fulcio still writes it.
  if (v1 !== null) list.unshift({ oid: OID_ISSUER_V1, value: v1, legacy: true });
  return list;
}

function pem(der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}

/** Rekor `dsse` v0.0.1 body, as Rekor would canonicalize it for a DSSE upload. */
function rekorDsseBody(payload: Buffer, signature: Buffer, cert: Buffer): object {
  const envelope = { payload: payload.toString('base64'), payloadType: IN_TOTO, signatures: [{ sig: signature.toString('base64') }] };
  return {
    apiVersion: '0.0.1',
    kind: 'dsse',
    spec: {
      envelopeHash: { algorithm: 'sha256', value: sha256(Buffer.from(JSON.stringify(envelope))).toString('hex') },
      payloadHash: { algorithm: 'sha256', value: sha256(payload).toString('hex') },
      signatures: [{ signature: signature.toString('base64'), verifier: Buffer.from(pem(cert)).toString('base64') }],
    },
  };
}

interface MockLogEntry {
  body: string;
  integratedTime: number;
  logID: string;
  logIndex: number;
  verification: { signedEntryTimestamp: string };
}

/** Logs the body (the mock signs the inclusion promise) and adds our own inclusion proof + checkpoint. */
async function logEntry(tlog: TLog, tlogPrivate: KeyObject, body: object): Promise<Record<string, unknown>> {
  const logged = Object.values(await tlog.log(body))[0] as unknown as MockLogEntry;
  const logId = Buffer.from(logged.logID, 'hex');
  return {
    logIndex: String(logged.logIndex),
    logId: { keyId: logId.toString('base64') },
    kindVersion: { kind: 'dsse', version: '0.0.1' },
    integratedTime: String(logged.integratedTime),
    inclusionPromise: { signedEntryTimestamp: logged.verification.signedEntryTimestamp },
    inclusionProof: inclusionProof(Buffer.from(logged.body, 'base64'), logId, tlogPrivate),
    canonicalizedBody: logged.body,
  };
}

/**
 * A two-leaf RFC 6962 tree with our entry as leaf 1 (so the proof has a real
 * hash to chain), and a checkpoint signed by the log key: signer name is the
 * tlog host (a substring of its baseUrl), key hint the first 4 bytes of the log ID.
 */
function inclusionProof(body: Buffer, logId: Buffer, tlogPrivate: KeyObject): Record<string, unknown> {
  const sibling = sha256(Buffer.from([0x00]), randomBytes(32));
  const leaf = sha256(Buffer.from([0x00]), body);
  const root = sha256(Buffer.from([0x01]), sibling, leaf);
  const note = `${TLOG_HOST} - ${randomBytes(6).readUIntBE(0, 6)}\n2\n${root.toString('base64')}\n`;
  const sig = sign('sha256', Buffer.from(note), tlogPrivate);
  const line = `\u2014 ${TLOG_HOST} ${Buffer.concat([logId.subarray(0, 4), sig]).toString('base64')}\n`;
  return {
    logIndex: '1',
    rootHash: root.toString('base64'),
    treeSize: '2',
    hashes: [sibling.toString('base64')],
    checkpoint: { envelope: `${note}\n${line}` },
  };
}

/** A provenance object as PyPI returns it: one bundle from GitHub `o/<project>`'s release.yml, minted for this file. */
export async function releaseProvenance(sigstore: MockSigstore, f: { project: string; filename: string; sha256: string }): Promise<unknown> {
  const publisher = { kind: 'GitHub' as const, repository: `o/${f.project}`, workflow: 'release.yml' };
  return { version: 1, attestation_bundles: [{ publisher, attestations: [await sigstore.mint({ filename: f.filename, sha256: f.sha256, publisher })] }] };
}
