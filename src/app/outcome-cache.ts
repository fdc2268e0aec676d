/**
 * Whole file outcomes kept across runs: what makes a warm run cost little
 * more than reading the lockfile.
 *
 * A file's outcome is a pure function of the index's answers about it, the
 * file's name and digest, the trusted root (when verifying), the lookup
 * mode and index, and this tool's code. While those answers are fresh (their
 * own Cache-Control), the HTTP cache would serve them unchanged and the run
 * would derive the same outcome again; so the outcome is kept exactly that
 * long, until `CachingHttp.horizon`: the earliest freshness limit among all
 * answers the run had served when the outcome was decided (its own among
 * them). Offline, stale outcomes serve, as stale answers do.
 *
 * Only outcomes that are the index's settled word are kept: verified,
 * unverified (--no-verify) and no provenance. A failure is worked out again
 * each run, so its explanation is current; an `unavailable` never sticks.
 * Stored outcomes must name the file they are for, or they are ignored.
 */
import { hash } from 'node:crypto';
import { normalizeProjectName } from '../core/names.js';
import type { FileOutcome } from '../core/outcome.js';
import type { Identity } from '../core/types.js';
import type { FileQuery } from '../net/provenance-client.js';
import { VERSION } from '../version.js';

export interface OutcomeStore {
  getSync(key: string): Buffer | undefined;
  /** The record kept (as `recordOf` names it), or undefined when nothing was kept. */
  set(key: string, payload: Buffer): Promise<string | undefined>;
  /** Which record is the newest under `key` (time, segment, offset), from the index alone. */
  recordOf(key: string): string | undefined;
}

/**
 * A kept outcome and the record it is: its key, which record (time, segment
 * and offset: another record for the key changes it, even one kept in the
 * same millisecond) and until when it is fresh.
 * app/decision-cache.ts keeps decisions only while their records are current.
 */
export interface KeptOutcome {
  outcome: FileOutcome;
  key: string;
  record: string;
  expires: number;
}

/** Everything an outcome depends on besides the file and the index's answers. */
export interface OutcomeContext {
  verify: boolean;
  /** TrustRoot.digest; required when verifying. */
  trustDigest?: string;
  mode: string;
  offline: boolean;
}

const SCHEMA = 'pylock-attest/outcome@1';
const KEPT: ReadonlySet<FileOutcome['status']> = new Set(['verified', 'unverified', 'no-provenance']);

export class OutcomeCache {
  readonly #store: OutcomeStore;
  readonly #context: OutcomeContext;
  readonly #now: () => number;
  hits = 0;

  constructor(store: OutcomeStore, context: OutcomeContext, now: () => number = Date.now) {
    if (context.verify && context.trustDigest === undefined) throw new Error('verified outcomes need the trusted root digest');
    this.#store = store;
    this.#context = context;
    this.#now = now;
  }

  key(q: FileQuery): string {
    const c = this.#context;
    const parts = [
      SCHEMA,
      VERSION,
      c.verify ? `verify:${c.trustDigest}` : 'no-verify',
      c.mode,
      q.indexUrl.replace(/\/+$/, ''),
      normalizeProjectName(q.project),
      q.version,
      q.filename,
      q.sha256.toLowerCase(),
    ];
    return hash('sha256', JSON.stringify(parts), 'hex');
  }

  /** The kept outcome for `q` under `key`, if still fresh (stale ones serve offline). */
  getSync(key: string, q: FileQuery): KeptOutcome | undefined {
    const payload = this.#store.getSync(key);
    const record = this.#store.recordOf(key);
    if (payload === undefined || record === undefined) return undefined;
    const stored = decode(payload, key);
    if (stored === undefined || !this.fresh(stored.expires)) return undefined;
    const { outcome } = stored;
    if (outcome.filename !== q.filename || outcome.sha256 !== q.sha256) return undefined;
    this.hits++;
    return { outcome, key, record, expires: stored.expires };
  }

  /** Keeps `outcome` until `expires` (epoch ms), if it is one worth keeping and has a future; returns the record kept. */
  async put(key: string, outcome: FileOutcome, expires: number): Promise<KeptOutcome | undefined> {
    if (!KEPT.has(outcome.status) || !(expires > this.#now()) || !Number.isFinite(expires)) return undefined;
    const record = await this.#store.set(key, Buffer.from(JSON.stringify({ key, expires, outcome })));
    return record === undefined ? undefined : { outcome, key, record, expires };
  }

  /** Whether something kept until `expires` may serve now (offline, stale records serve, as stale answers do). */
  fresh(expires: number): boolean {
    return this.#context.offline || expires > this.#now();
  }

  /** Whether `record` is still the newest under `key`: no other outcome was kept for the file since, none deleted. */
  current(key: string, record: string): boolean {
    return this.#store.recordOf(key) === record;
  }

  /** The part of every key that is this run's context, for records derived from outcomes (app/decision-cache.ts). */
  get contextKey(): string {
    const c = this.#context;
    return JSON.stringify([VERSION, c.verify ? `verify:${c.trustDigest}` : 'no-verify', c.mode]);
  }
}

function decode(payload: Buffer, key: string): { expires: number; outcome: FileOutcome } | undefined {
  try {
    const stored = JSON.parse(payload.toString('utf8')) as { key?: unknown; expires?: unknown; outcome?: unknown };
    if (stored.key !== key || typeof stored.expires !== 'number' || !isOutcome(stored.outcome)) return undefined;
    return { expires: stored.expires, outcome: stored.outcome };
  } catch {
    return undefined;
  }
}

function isOutcome(v: unknown): v is FileOutcome {
  const o = v as Partial<FileOutcome> | null;
  if (typeof o !== 'object' || o === null || typeof o.filename !== 'string' || typeof o.sha256 !== 'string') return false;
  if (o.status === undefined || !KEPT.has(o.status)) return false;
  if (o.detail !== undefined && typeof o.detail !== 'string') return false;
  if (o.source !== undefined && typeof o.source !== 'string') return false;
  if (!Array.isArray(o.identities) || !o.identities.every(isIdentity)) return false;
  // Which keys are only the index's claim must survive the round trip; an attested outcome without them is re-derived.
  if (o.unverifiedKeys === undefined) return o.status === 'no-provenance';
  return Array.isArray(o.unverifiedKeys) && o.unverifiedKeys.length === o.identities.length && o.unverifiedKeys.every(isKeyList);
}

function isKeyList(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((k) => typeof k === 'string');
}

function isIdentity(v: unknown): v is Identity {
  if (typeof v !== 'object' || v === null || typeof (v as { kind?: unknown }).kind !== 'string') return false;
  return Object.values(v).every((x) => typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean');
}
