/**
 * A lockfile's decided packages, kept across runs: what lets a warm run over
 * a lockfile it has decided before (the pre-commit hook or a CI job on an
 * unchanged file) read the file and report, without parsing it, looking up
 * every file's outcome or deciding every package again.
 *
 * A decision is a pure function of: the lockfile's text and the path it was
 * named by; the options evaluation reads (the index URL, the allowed index
 * hosts, allow-identity-change); the policy and the day (allowances expire
 * by UTC day); and each locked file's kept outcome (app/outcome-cache.ts),
 * whose own key holds this tool's version, the trusted root's digest and
 * the lookup mode. The key covers all but the outcomes. The record names the
 * outcome records it was decided from (key and record) and is used only while
 * every one of them is still the newest record for its file
 * (`OutcomeCache.current`: no outcome kept or deleted since) and fresh (the
 * earliest expiry among them; offline, stale serves, as for outcomes). A
 * record is named by its time, segment and offset, not its time alone: two
 * processes may keep different outcomes for one file in one millisecond. So
 * a hit is the decision the full path would make from the same records (a
 * compaction moves records: the next run decides again, and keeps it again).
 *
 * Only decisions made wholly from kept outcomes (verified, unverified with
 * --no-verify, no provenance) are kept: a failure is worked out again each
 * run. Records are authenticated like every cache record (io/cache-store.ts);
 * one that does not parse, or names another key, is a miss.
 *
 * A decision is kept the second time its key is decided, not the first: the
 * first leaves a mark of a few bytes. Writing a decision costs about what a
 * hit saves once (~0.2 s for 20,000 files), and a pre-commit hook mostly
 * runs right after the lockfile changed, over a text it never sees again;
 * a text decided twice (a CI job, `pre-commit run --all-files`, a re-run)
 * is one that comes back.
 */
import { hash } from 'node:crypto';
import type { PackageOutcome } from '../core/outcome.js';
import type { Policy } from '../core/policy.js';
import type { KeptOutcome, OutcomeCache } from './outcome-cache.js';

export interface DecisionStore {
  getSync(key: string): Buffer | undefined;
  set(key: string, payload: readonly Uint8Array[]): Promise<unknown>;
}

/** What a decision depends on besides the outcomes behind it. */
export interface DecisionInputs {
  path: string;
  text: string;
  indexUrl: string | undefined;
  allowIndexHosts: readonly string[] | undefined;
  allowIdentityChange: boolean;
  policy: Policy | undefined;
  now: Date;
}

/** A lockfile's decided packages and its own warnings (lock-version), as the full path returns them. */
export interface Decision {
  packages: PackageOutcome[];
  warnings: string[];
}

const SCHEMA = 'pylock-attest/decision@1';

export class DecisionCache {
  readonly #store: DecisionStore;
  readonly #outcomes: OutcomeCache;
  hits = 0;

  constructor(store: DecisionStore, outcomes: OutcomeCache) {
    this.#store = store;
    this.#outcomes = outcomes;
  }

  key(inputs: DecisionInputs): string {
    const day = inputs.now.toISOString().slice(0, 10);
    const parts = [
      SCHEMA,
      this.#outcomes.contextKey,
      inputs.path,
      hash('sha256', inputs.text, 'hex'),
      inputs.indexUrl ?? null,
      inputs.allowIndexHosts ?? null,
      inputs.allowIdentityChange,
      inputs.policy ?? null,
      day,
    ];
    return hash('sha256', JSON.stringify(parts), 'hex');
  }

  /**
   * The decision kept under `key`, while every outcome record behind it is
   * current and fresh; `seen` when the key was decided once before (the next
   * `put` keeps the decision).
   */
  get(key: string): Decision | 'seen' | undefined {
    const payload = this.#store.getSync(key);
    if (payload === undefined) return undefined;
    // The header first: a decision whose outcomes changed is never decoded.
    const newline = payload.indexOf(0x0a);
    if (newline < 0) return undefined;
    const header = parseJson(payload.subarray(0, newline)) as
      | { key?: unknown; seen?: unknown; expires?: unknown; behind?: unknown; warnings?: unknown }
      | undefined;
    if (header?.key !== key) return undefined;
    if (header.seen === true) return 'seen';
    // A decision is made from at least one outcome: one naming none is not ours.
    if (typeof header.expires !== 'number' || typeof header.behind !== 'string' || header.behind === '' || !isStrings(header.warnings)) return undefined;
    // One no longer current still says the key comes back: decided again, it is kept again.
    if (!this.#outcomes.fresh(header.expires) || !this.#allCurrent(header.behind)) return 'seen';
    const packages = parseJson(payload.subarray(newline + 1));
    if (!Array.isArray(packages)) return undefined;
    this.hits++;
    return { packages: packages as PackageOutcome[], warnings: header.warnings };
  }

  /**
   * Keeps `decision`, made from exactly the outcome records `behind` (one per
   * locked file), while they are current; the first time (`seen` false), only
   * a mark that the key was decided.
   */
  async put(key: string, decision: Decision, behind: readonly KeptOutcome[], seen: boolean): Promise<void> {
    if (!seen) {
      await this.#store.set(key, [Buffer.from(`${JSON.stringify({ key, seen: true })}\n`)]);
      return;
    }
    let expires = Number.POSITIVE_INFINITY;
    let lines = '';
    for (const kept of behind) {
      expires = Math.min(expires, kept.expires);
      lines += `${kept.key} ${kept.record}\n`;
    }
    if (!Number.isFinite(expires) || !this.#outcomes.fresh(expires)) return;
    const header = JSON.stringify({ key, expires, behind: lines, warnings: decision.warnings });
    await this.#store.set(key, [Buffer.from(`${header}\n`), Buffer.from(JSON.stringify(decision.packages))]);
  }

  /** Every `<key> <record>` line names the newest record under its key. */
  #allCurrent(behind: string): boolean {
    for (let at = 0; at < behind.length; ) {
      const newline = behind.indexOf('\n', at);
      if (newline < 0) return false;
      const space = behind.indexOf(' ', at);
      if (space < 0 || space > newline) return false;
      if (!this.#outcomes.current(behind.slice(at, space), behind.slice(space + 1, newline))) return false;
      at = newline + 1;
    }
    return true;
  }
}

function parseJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
}

function isStrings(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((s) => typeof s === 'string');
}
