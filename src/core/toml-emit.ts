/**
 * TOML 1.0 text for the little we write: identity tables and their scalar
 * values. Everything here may come from an index (attacker-controlled), so
 * strings are escaped completely and nothing else is ever emitted raw.
 * TOML 1.0 only: Python's tomllib reads these files and rejects 1.1 syntax.
 */
import type { Identity, IdentityValue } from './types.js';

export interface TableLayout {
  /** Line ending to write: the one used where the text goes. */
  eol: string;
  /** Indentation of each header and key line (spaces or tabs). */
  indent: string;
}

export interface InlineLayout extends TableLayout {
  /** One element per line (`[`, elements at indent + 4 spaces, `]`), as tomlkit and uv write long arrays. */
  multiline: boolean;
}

export const IDENTITIES_HEADER = '[[packages.attestation-identities]]';

const SHORT_ESCAPES: Record<number, string> = {
  0x08: '\\b',
  0x09: '\\t',
  0x0a: '\\n',
  0x0c: '\\f',
  0x0d: '\\r',
  0x22: '\\"',
  0x5c: '\\\\',
};

// Control characters, DEL, `"` and `\`: the characters a basic string may not hold raw.
const NEEDS_ESCAPE = /[\u0000-\u001f"\\\u007f]/g;
// A lone surrogate has no UTF-8 encoding: the file would silently get U+FFFD instead.
const LONE_SURROGATE = /[\ud800-\udfff]/u;

/** A TOML basic string. Non-ASCII (non-BMP included) passes through raw. */
export function tomlString(s: string): string {
  if (LONE_SURROGATE.test(s)) throw new RangeError('tomlString: string contains a lone surrogate');
  return `"${s.replace(NEEDS_ESCAPE, escapeChar)}"`;
}

function escapeChar(ch: string): string {
  const code = ch.charCodeAt(0);
  return SHORT_ESCAPES[code] ?? `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

const BARE_KEY = /^[A-Za-z0-9_-]+$/;

/** A key: bare when TOML 1.0 allows it, quoted otherwise (the empty key too). */
export function tomlKey(k: string): string {
  return BARE_KEY.test(k) ? k : tomlString(k);
}

/** A scalar value. Integers stay integers; other finite numbers are written so they read back identical. */
export function tomlValue(v: IdentityValue): string {
  if (typeof v === 'string') return tomlString(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new RangeError(`tomlValue: cannot write ${String(v)}`);
  return tomlNumber(v);
}

function tomlNumber(v: number): string {
  if (Object.is(v, -0)) return '-0.0';
  // Beyond 2^53 an "integer" is a float in disguise and may exceed TOML's 64-bit integers.
  if (Number.isSafeInteger(v)) return String(v);
  const s = String(v);
  return /[.eE]/.test(s) ? s : `${s}.0`;
}

function keyLines(identity: Identity, indent: string, eol: string): string {
  let out = '';
  for (const k of Object.keys(identity)) out += `${indent}${tomlKey(k)} = ${tomlValue(identity[k] as IdentityValue)}${eol}`;
  return out;
}

/**
 * `[[packages.attestation-identities]]` blocks, keys in the object's own key order.
 * Blocks are separated by one blank line; there is none before the first, and
 * the text ends with `eol`.
 */
export function renderIdentityTables(identities: readonly Identity[], layout: TableLayout): string {
  const { eol, indent } = layout;
  return identities.map((id) => `${indent}${IDENTITIES_HEADER}${eol}${keyLines(id, indent, eol)}`).join(eol);
}

/** `{ kind = "GitHub", repository = "o/r" }`: single line, no trailing comma (TOML 1.0). */
export function renderInlineIdentity(identity: Identity): string {
  const pairs = Object.keys(identity).map((k) => `${tomlKey(k)} = ${tomlValue(identity[k] as IdentityValue)}`);
  return pairs.length === 0 ? '{}' : `{ ${pairs.join(', ')} }`;
}

/** The value of `attestation-identities = ...` in its inline-array form. */
export function renderIdentityInlineArray(identities: readonly Identity[], layout?: InlineLayout): string {
  const items = identities.map(renderInlineIdentity);
  if (layout === undefined || !layout.multiline || items.length === 0) return `[${items.join(', ')}]`;
  const { eol, indent } = layout;
  // A trailing comma after the last element is fine in arrays (unlike inline tables) in TOML 1.0.
  return `[${eol}${items.map((it) => `${indent}    ${it},${eol}`).join('')}${indent}]`;
}
