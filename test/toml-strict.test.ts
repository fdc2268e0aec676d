import fc from 'fast-check';
import { parse } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { tomlKey, tomlString } from '../src/core/toml-emit.js';
import { toml10Problem } from '../src/core/scanner.js';

/** FC_RUNS sets the number of runs (default 200; `npm run test:fuzz` uses 10000). */
const RUNS = Number(process.env['FC_RUNS'] ?? 200);

describe('toml10Problem', () => {
  it('finds each TOML 1.1-only construct and impossible date, with its line and column', () => {
    const cases: Array<[string, string, number, number]> = [
      ['a = { b = 1,\n c = 2 }\n', 'newline inside an inline table', 1, 13],
      ['x = 1\na = { b = 1, }\n', 'trailing comma', 2, 14],
      ['a = "\\x41"\n', '\\x escape', 1, 6],
      ['a = """\nok\n\\e"""\n', '\\e escape', 3, 1],
      ['t = 07:32\n', 'time without seconds', 1, 5],
      ['t = 1979-05-27T07:32Z\n', 'time without seconds', 1, 5],
      ['t = 1979-05-27 07:32\n', 'time without seconds', 1, 16],
      ['d = 2023-02-29\n', 'not a date that exists', 1, 5],
      ['d = [2024-04-31T00:00:00Z]\n', 'not a date that exists', 1, 6],
      ['d = 2024-13-01\n', 'not a date that exists', 1, 5],
      ['"k\\x41" = 1\n', '\\x escape', 1, 3],
    ];
    for (const [text, message, line, column] of cases) {
      const p = toml10Problem(text);
      expect(p, text).toBeDefined();
      expect(p!.message, text).toContain(message);
      expect([p!.line, p!.column], text).toEqual([line, column]);
    }
  });

  it('is not fooled by strings, comments, keys and arrays that only look like those constructs', () => {
    const fine = [
      'a = "{ b = 1, }"\n',
      "a = '\\x41 \\e'\n",
      "a = '''\\x41'''\n",
      'a = """\\\\x41"""\n',
      'a = "\\\\x"\n',
      '# a = { b = 1, }\n# \\x41 07:32 2023-02-30\n',
      'a = [\n  1,\n  2,\n]\n',
      'a = [ { b = 1 }, { c = """x\ny""" } ]\n',
      '2023-02-30 = 1\n[2023-02-31]\nx = 1\n',
      '"07:32" = 07:32:00\nd = 2024-02-29\ndt = 2000-02-29 23:59:59.999+05:30\n',
      '[[packages]]\nname = "demo"\n[packages.tool]\nx = { y = [1, 2], z = "}" }\n',
      "a = \"\"\"quotes \"\" inside \"\"\"\nb = '''one ' two '' end''''\n",
      'a = """\\\n  continued"""\n',
    ];
    for (const text of fine) expect(toml10Problem(text), text).toBeUndefined();
  });
});

describe('toml10Problem (properties)', () => {
  const DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  const leap = (y: number) => y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');

  it('accepts any TOML 1.0 we emit: every string and key, in tables, arrays and inline tables', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' })), { maxLength: 6 }), (pairs) => {
        const clean = pairs.filter(([k, v]) => k.isWellFormed() && v.isWellFormed());
        const keys = [...new Set(clean.map(([k]) => k))];
        const inline = keys.map((k, i) => `${tomlKey(k)} = ${tomlString(clean[i]![1])}`).join(', ');
        const text = `[kv]\n${keys.map((k, i) => `${tomlKey(k)} = ${tomlString(clean[i]![1])}`).join('\n')}\n[t]\narr = [${clean.map(([, v]) => tomlString(v)).join(', ')}]\ninl = { ${inline} }\n`;
        parse(text); // valid to smol-toml, or the generator is wrong
        expect(toml10Problem(text)).toBeUndefined();
      }),
      { numRuns: RUNS },
    );
  });

  it('accepts every real date and full time, and refuses every day past the end of its month', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9999 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 31 }),
        fc.integer({ min: 0, max: 23 }),
        fc.integer({ min: 0, max: 59 }),
        (y, m, d, h, min) => {
          const last = m === 2 ? (leap(y) ? 29 : 28) : DAYS[m - 1]!;
          const text = `d = ${pad(y, 4)}-${pad(m)}-${pad(d)}T${pad(h)}:${pad(min)}:00Z\nt = ${pad(h)}:${pad(min)}:59.5\n`;
          const problem = toml10Problem(text);
          if (d <= last) expect(problem).toBeUndefined();
          else expect(problem?.message).toMatch(/not a date that exists/);
        },
      ),
      { numRuns: RUNS },
    );
  });
});
