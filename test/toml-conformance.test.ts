/**
 * The scanner against the official toml-test suite: for every valid document,
 * every table header and every statement-level key must sit where
 * toml-eslint-parser (an independent, full TOML parser) says it does.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseTOML } from 'toml-eslint-parser';
import { describe, expect, it } from 'vitest';
import { scanToml } from '../src/core/scanner.js';
import { isPylockAttestError } from '../src/errors.js';
import { referenceStatements, scannerView } from './support/toml-reference.ts';

const SUITE = resolve(import.meta.dirname, '../../shared/toml-test/valid');
const present = existsSync(SUITE);

/**
 * Files we deliberately do not compare, and why. Anything else that cannot be
 * compared fails the test, so this list cannot grow silently.
 */
const KNOWN_SKIPS: Record<string, string> = {
  // None today: toml-eslint-parser, run in TOML 1.1 mode, accepts every valid case, and the
  // scanner handles 1.1 syntax too (smol-toml accepts it, so a user's file may contain it).
};

function tomlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return tomlFiles(p);
    return e.name.endsWith('.toml') ? [p] : [];
  });
}

/** Why a file cannot be compared, or undefined when it can. */
function skipReason(text: string): string | undefined {
  try {
    parseTOML(text, { tomlVersion: '1.1' });
    return undefined;
  } catch (e) {
    return `toml-eslint-parser rejects it (${(e as Error).message.split('\n')[0]})`;
  }
}

/** The file as given, with CRLF line endings, and without its final newline: all must scan alike. */
function variants(text: string): Array<[string, string]> {
  const out: Array<[string, string]> = [['as is', text]];
  if (!text.includes('\r')) out.push(['CRLF', text.replaceAll('\n', '\r\n')]);
  if (text.endsWith('\n')) out.push(['no final newline', text.replace(/\r?\n$/, '')]);
  return out;
}

const title = present ? `toml-test valid/ at ${SUITE}` : `toml-test valid/ (skipped: ${SUITE} is absent)`;

describe.skipIf(!present)(title, () => {
  const files = present ? tomlFiles(SUITE).sort() : [];
  const skipped: string[] = [];

  it('has the suite', () => {
    expect(files.length).toBeGreaterThan(200);
  });

  for (const file of files) {
    const name = relative(SUITE, file);
    it(name, () => {
      // The editor's caller strips a BOM before scanning; do the same here.
      const text = readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
      for (const [label, variant] of variants(text)) {
        const reason = skipReason(variant);
        if (reason !== undefined) {
          skipped.push(`${name} (${label}): ${reason}`);
          expect(KNOWN_SKIPS[name], `unexpected skip: ${reason}`).toBeDefined();
          continue;
        }
        const expected = referenceStatements(parseTOML(variant, { tomlVersion: '1.1' }), variant);
        expect(scannerView(scanToml(variant)), label).toEqual(expected);
      }
    });
  }

  it('reports what it skipped', () => {
    console.info(`toml-test: ${files.length} files, ${skipped.length} skipped${skipped.map((s) => `\n  ${s}`).join('')}`);
    expect(skipped.length).toBeLessThanOrEqual(Object.keys(KNOWN_SKIPS).length);
  });
});

const INVALID = resolve(SUITE, '../invalid');
const haveInvalid = existsSync(INVALID);

// The scanner is not a validator, but on text smol-toml would reject it must still
// end quickly, with statements or with LOCK_PARSE: never a crash or a hang.
describe.skipIf(!haveInvalid)(haveInvalid ? `toml-test invalid/ at ${INVALID}` : `toml-test invalid/ (skipped: ${INVALID} is absent)`, () => {
  it('never crashes or hangs on invalid documents', () => {
    const files = haveInvalid ? tomlFiles(INVALID) : [];
    expect(files.length).toBeGreaterThan(200);
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      try {
        scanToml(text);
      } catch (e) {
        expect(isPylockAttestError(e) && e.code, relative(INVALID, file)).toBe('LOCK_PARSE');
      }
    }
  });
});
