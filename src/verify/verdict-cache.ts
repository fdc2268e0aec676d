/**
 * Verified results kept across runs, so a warm run does not verify again
 * what it already verified.
 *
 * A verdict is a pure function of the attestation, the expected file, the
 * expected identity, the trusted root and our verifier's code: sigstore
 * checks the certificate at the signing time, not now. So the key is
 * sha256 over all of them: the attestation's digest (of exactly the object
 * the verifier sees, or of the body it was parsed from plus its position
 * there), the trusted root's digest, the filename and sha256,
 * the identity (core/identity.ts `identityKey`: keys sorted), and the tool version, so that a fixed or
 * stricter verifier never trusts an older version's verdict.
 *
 * Only positive verdicts are kept. A failure is cheap to reach again and
 * must be re-explained each run; never caching it also means a transient
 * problem can never stick. A stored entry must name its own key and hold a
 * well-formed positive verdict, or it is ignored.
 */
import { hash } from 'node:crypto';
import { identityKey } from '../core/identity.js';
import type { ExpectedDistribution, Identity } from '../core/types.js';
import { VERSION } from '../version.js';
import type { AttestationSource, AttestationVerdict, AttestationVerifier } from './verifier.js';

/** The part of a cache store this needs (io/cache-store.ts provides it). */
export interface VerdictStore {
  get(key: string): Promise<Buffer | undefined>;
  set(key: string, payload: Buffer): Promise<unknown>;
}

type Verified = Extract<AttestationVerdict, { ok: true }>;

const SCHEMA = 'pylock-attest/verdict@1';

export class VerdictCache {
  readonly #store: VerdictStore;
  readonly #trustDigest: string;
  hits = 0;
  misses = 0;

  constructor(store: VerdictStore, trustRootDigest: string) {
    this.#store = store;
    this.#trustDigest = trustRootDigest;
  }

  /** `name`: the attestation's source, `digest/bundle/attestation` (`sourceName`); without it, the attestation is hashed. */
  key(attestation: unknown, identity: Identity, expected: ExpectedDistribution, name?: string): string {
    const attestationDigest = name === undefined ? `json:${sha256(JSON.stringify(attestation))}` : `body:${name}`;
    const parts = [SCHEMA, VERSION, this.#trustDigest, attestationDigest, identityKey(identity), expected.filename, expected.sha256.toLowerCase()];
    return sha256(JSON.stringify(parts));
  }

  async get(key: string): Promise<Verified | undefined> {
    const payload = await this.#store.get(key);
    const verdict = payload === undefined ? undefined : decode(payload, key);
    if (verdict === undefined) this.misses++;
    else this.hits++;
    return verdict;
  }

  async put(key: string, verdict: AttestationVerdict): Promise<void> {
    if (!verdict.ok) return;
    await this.#store.set(key, Buffer.from(JSON.stringify({ key, verdict })));
  }
}

/** `inner`, consulted only when the cache has no positive verdict for the same question. */
export function cachedVerifier(cache: VerdictCache, inner: AttestationVerifier): AttestationVerifier {
  return {
    async verify(att, identity, expected, source) {
      const key = cache.key(att, identity, expected, source === undefined ? undefined : sourceName(source));
      const known = await cache.get(key);
      if (known !== undefined) return known;
      const verdict = await inner.verify(att, identity, expected, source);
      await cache.put(key, verdict);
      return verdict;
    },
  };
}

/** The name of an attestation by its source (verifier.ts AttestationSource): the document's digest and the position. */
function sourceName(source: AttestationSource): string {
  return `${source.digest}/${source.bundle}/${source.attestation}`;
}

function sha256(text: string): string {
  return hash('sha256', text, 'hex');
}

function decode(payload: Buffer, key: string): Verified | undefined {
  try {
    const stored = JSON.parse(payload.toString('utf8')) as { key?: unknown; verdict?: unknown };
    return stored.key === key && isVerified(stored.verdict) ? stored.verdict : undefined;
  } catch {
    return undefined;
  }
}

function isVerified(v: unknown): v is Verified {
  const x = v as Partial<Verified> | null;
  if (typeof x !== 'object' || x === null || x.ok !== true) return false;
  if (typeof x.predicateType !== 'string' || typeof x.signedAt !== 'string') return false;
  if (!Array.isArray(x.unverifiedIdentityKeys) || !x.unverifiedIdentityKeys.every((k) => typeof k === 'string')) return false;
  const c = x.certificate;
  return typeof c === 'object' && c !== null && typeof c.issuer === 'string' && typeof c.san === 'string';
}
