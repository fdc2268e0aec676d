import { compareStrings } from './compare-strings.js';
import type { Identity, IdentityValue, Publisher } from './types.js';

/**
 * Publisher (as an index returns it) → PEP 751 identity table.
 *
 * The identity is what stays the same from release to release: who may
 * publish. Per-release values (ref, sha, run ids) are never part of it, or
 * every refresh would report a false change.
 */

/** Keys each known kind contributes, in the order we write them (after `kind`). */
const KNOWN_KEYS: Readonly<Record<string, readonly string[]>> = {
  GitHub: ['repository', 'workflow', 'environment'],
  GitLab: ['repository', 'workflow_filepath', 'environment'],
  Google: ['email'],
};

/** Per-release claims: dropped from unknown kinds too. */
const PER_RELEASE_KEYS = new Set(['ref', 'sha', 'run_id', 'run_attempt', 'digest', 'commit', 'claims', 'kind']);

/** Limits on untrusted publisher data; beyond them the publisher is refused, not truncated. */
export const IDENTITY_LIMITS = {
  maxKeys: 32,
  maxKeyLength: 128,
  maxValueLength: 4096,
  maxKindLength: 64,
} as const;

export type IdentityMapping = { ok: true; identity: Identity } | { ok: false; reason: string };

export function identityFromPublisher(publisher: Publisher): IdentityMapping {
  const kind = publisher.kind;
  if (typeof kind !== 'string' || kind.length === 0) return { ok: false, reason: 'publisher has no kind' };
  if (kind.length > IDENTITY_LIMITS.maxKindLength) return { ok: false, reason: 'publisher kind is too long' };
  const source = liftClaims(publisher);
  const known = KNOWN_KEYS[kind];
  const keys = known ?? unknownKindKeys(source);
  if (keys.length > IDENTITY_LIMITS.maxKeys) return { ok: false, reason: 'publisher has too many keys' };
  const identity: Identity = { kind };
  for (const key of keys) {
    const checked = checkValue(key, source[key]);
    if (checked === 'drop') continue;
    if (typeof checked === 'object') return checked;
    // A known kind's claims are names (repository, workflow, email): a number or boolean there is a broken or hostile index.
    if (known !== undefined && typeof checked !== 'string') return { ok: false, reason: `publisher field ${JSON.stringify(key)} is not a string` };
    identity[key] = checked;
  }
  return { ok: true, identity };
}

/** Values found only under `claims` (PEP 740's own shape) are lifted to the top level; top level wins. */
function liftClaims(publisher: Publisher): Record<string, unknown> {
  const claims = publisher.claims;
  const lifted: Record<string, unknown> = {};
  if (claims !== null && typeof claims === 'object' && !Array.isArray(claims)) {
    for (const [k, v] of Object.entries(claims)) lifted[k] = v;
  }
  for (const [k, v] of Object.entries(publisher)) {
    if (v !== null && v !== undefined && v !== '') lifted[k] = v;
    else if (!(k in lifted)) lifted[k] = v;
  }
  return lifted;
}

function unknownKindKeys(source: Record<string, unknown>): string[] {
  return Object.keys(source)
    .filter((k) => !PER_RELEASE_KEYS.has(k))
    .filter((k) => isScalar(source[k]))
    .sort();
}

function isScalar(v: unknown): v is IdentityValue {
  return typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
}

/** `null`, absent and `""` all mean "none" and are dropped, so they map to the same identity. */
function checkValue(key: string, value: unknown): IdentityValue | 'drop' | { ok: false; reason: string } {
  if (value === null || value === undefined || value === '') return 'drop';
  if (key.length > IDENTITY_LIMITS.maxKeyLength) return { ok: false, reason: 'publisher key is too long' };
  if (!isScalar(value)) return { ok: false, reason: `publisher field ${JSON.stringify(key.slice(0, 40))} is not a scalar` };
  if (typeof value === 'string' && !value.isWellFormed()) {
    // A lone surrogate cannot be written as UTF-8: refuse rather than mangle it.
    return { ok: false, reason: `publisher field ${JSON.stringify(key.slice(0, 40))} is not well-formed Unicode` };
  }
  if (typeof value === 'string' && value.length > IDENTITY_LIMITS.maxValueLength) {
    return { ok: false, reason: `publisher field ${JSON.stringify(key.slice(0, 40))} exceeds ${IDENTITY_LIMITS.maxValueLength} characters` };
  }
  return value;
}

/**
 * Normalize an identity read back from a lockfile, so it compares equal to
 * one mapped from the index: empty strings dropped, keys in canonical order.
 */
export function canonicalIdentity(raw: Record<string, unknown>): Identity | undefined {
  const kind = raw['kind'];
  if (typeof kind !== 'string' || kind.length === 0) return undefined;
  const known = KNOWN_KEYS[kind];
  const rest = Object.keys(raw).filter((k) => k !== 'kind' && isScalar(raw[k]) && raw[k] !== '');
  const ordered = known ? [...known.filter((k) => rest.includes(k)), ...rest.filter((k) => !known.includes(k)).sort()] : rest.sort();
  const identity: Identity = { kind };
  for (const k of ordered) identity[k] = raw[k] as IdentityValue;
  return identity;
}

/** A stable string for an identity: equal identities give equal keys, whatever their key order. */
export function identityKey(identity: Identity): string {
  const entries = Object.entries(identity)
    .filter(([, v]) => v !== '')
    .sort(([a], [b]) => compareStrings(a, b));
  return JSON.stringify(entries);
}

/** De-duplicate and order deterministically (by kind, then the canonical key). */
export function normalizeIdentitySet(identities: readonly Identity[]): Identity[] {
  const byKey = new Map<string, Identity>();
  for (const identity of identities) {
    const canonical = canonicalIdentity(identity);
    if (canonical) byKey.set(identityKey(canonical), canonical);
  }
  return [...byKey.entries()].sort(([ka, a], [kb, b]) => compareStrings(a.kind, b.kind) || compareStrings(ka, kb)).map(([, v]) => v);
}

export function sameIdentitySet(a: readonly Identity[], b: readonly Identity[]): boolean {
  const ka = normalizeIdentitySet(a).map(identityKey);
  const kb = normalizeIdentitySet(b).map(identityKey);
  return ka.length === kb.length && ka.every((k, i) => k === kb[i]);
}

/** A short human form: `GitHub pypa/sampleproject (release.yml, env pypi)`. */
export function describeIdentity(identity: Identity): string {
  return describeClaims(identity, []);
}

/**
 * describeIdentity, where the values of `claimed` keys (no certificate backs
 * them, only the index's word) say so: `env pypi [index claim]`.
 */
export function describeClaims(identity: Identity, claimed: readonly string[]): string {
  const { kind, ...rest } = identity;
  const shown = (k: string, text: string) => (claimed.includes(k) ? `${text} [index claim]` : text);
  const mainKey = rest['repository'] !== undefined ? 'repository' : rest['email'] !== undefined ? 'email' : undefined;
  const detail = Object.entries(rest)
    .filter(([k]) => k !== mainKey)
    .map(([k, v]) => shown(k, k === 'environment' ? `env ${String(v)}` : String(v)));
  const head = mainKey !== undefined ? `${kind} ${shown(mainKey, String(rest[mainKey]))}` : kind;
  return detail.length > 0 ? `${head} (${detail.join(', ')})` : head;
}
