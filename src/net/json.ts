/**
 * Strict, bounded JSON for bodies an index sends us. An index is untrusted:
 * bodies must be UTF-8, must be JSON, and may not nest deeper than a
 * legitimate document does (deep nesting is a stack and CPU attack on every
 * recursive consumer downstream).
 */
import { PylockAttestError } from '../errors.js';

const decoder = new TextDecoder('utf-8', { fatal: true });

export function parseJsonBody(body: Buffer, what: string, maxDepth: number): unknown {
  let text: string;
  try {
    text = decoder.decode(body);
  } catch (cause) {
    throw new PylockAttestError('INDEX_BODY', `${what} is not valid UTF-8`, {}, { cause });
  }
  if (nestingExceeds(text, maxDepth)) {
    throw new PylockAttestError('INDEX_BODY', `${what} nests deeper than ${maxDepth} levels`);
  }
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new PylockAttestError('INDEX_BODY', `${what} is not valid JSON (truncated, HTML, or another format)`, {}, { cause });
  }
}

/** True when brackets nest deeper than `max`, outside strings. Runs before JSON.parse. */
export function nestingExceeds(text: string, max: number): boolean {
  // Fewer brackets in all than the limit cannot nest past it: a provenance
  // object has ~20 among kilobytes of base64, and indexOf skips those natively.
  if (countUpTo(text, '{', max + 1) + countUpTo(text, '[', max + 1) <= max) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return false;
}

/** How many times `char` occurs in `text`, counting no further than `limit`. */
function countUpTo(text: string, char: string, limit: number): number {
  let n = 0;
  for (let i = text.indexOf(char); i !== -1 && n < limit; i = text.indexOf(char, i + 1)) n++;
  return n;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The media type without parameters, lower-cased: `application/json; charset=utf-8` → `application/json`. */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

/** Collapses control characters and bounds the length of text an index gave us before we show it. */
export function printable(text: string, max = 200): string {
  const clean = text.replace(/[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, ' ');
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}
