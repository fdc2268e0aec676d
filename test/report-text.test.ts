import { describe, expect, it } from 'vitest';
import { renderAuditText } from '../src/cli/report/text.js';
import { colors as paint } from '../src/cli/terminal-text.js';
import { everyCategoryResult, fixtureResult } from './report-sample.ts';

/** The same colours on both streams, as a terminal would have them. */
const colors = (on: boolean) => ({ out: paint(on), err: paint(on) });

describe('text report', () => {
  it('groups by file, errors first, and ends with a summary', async () => {
    const text = renderAuditText(await fixtureResult(), colors(false)).stdout;
    const lines = text.split('\n');
    const lockHeader = lines.findIndex((l) => l.includes('new.pylock.toml (compared with '));
    const policyHeader = lines.findIndex((l) => l.endsWith('policy.toml'));
    expect(lockHeader).toBeGreaterThanOrEqual(0);
    expect(policyHeader).toBeGreaterThan(lockHeader);
    const tags = lines.filter((l) => /^ {2}\S/.test(l)).map((l) => l.trim().split(/\s+/)[0]);
    expect(tags).toEqual(['error', 'error', 'error', 'allowed', 'warning', 'info', 'info', 'error']);
    expect(lines.filter(Boolean).at(-1)).toMatch(/^exit 1: 4 errors, 1 warning, 2 info, 1 allowed \(offline, no network; policy \S*policy\.toml\)$/);
  });

  it('colour only when asked (a TTY), and remote control characters are shown, never interpreted', async () => {
    const result = await fixtureResult();
    expect(renderAuditText(result, colors(false)).stdout).not.toContain('\u001b');
    expect(renderAuditText(result, colors(true)).stdout).toContain('\u001b[31m');
    const plain = renderAuditText(result, colors(false)).stdout;
    expect(plain).toContain('\\u001b[31m');
    expect(plain).toContain('evil/re\\u000apo');
  });

  it('lockfile errors go to stderr, with file:line:col and the hint on a line of its own', () => {
    const text = renderAuditText(everyCategoryResult(), colors(false));
    expect(text.stderr).toMatch(/^error: broken\.toml:3:7:/m);
    expect(text.stdout).not.toContain('broken.toml:3:7');
  });

  it('one line per finding, each ending in its next step; allowances inline', async () => {
    const text = renderAuditText(await fixtureResult(), colors(false)).stdout;
    const findings = text.split('\n').filter((l) => /^ {2}(error|warning|info|allowed) /.test(l));
    expect(findings).toHaveLength(8);
    for (const line of findings.filter((l) => /^ {2}(error|warning) /.test(l))) expect(line).toMatch(/ → \S/);
    expect(text).toMatch(/identity-removed .* → if a lock tool regenerated the file, run `pylock-attest enrich \S+new\.pylock\.toml`/);
    expect(findings.find((l) => l.startsWith('  allowed'))).toMatch(/\[accepted until \d{4}-\d{2}-\d{2} by /);
  });

  it('--quiet: failing findings only, no summary when all is well', async () => {
    const result = await fixtureResult();
    const quiet = renderAuditText(result, colors(false), { quiet: true }).stdout;
    expect(quiet).not.toMatch(/^ {2}info /m);
    expect(quiet).toMatch(/^exit 1:/m);
    const clean = { ...result, findings: [], exitCode: 0 as const, summary: { error: 0, warning: 0, info: 0, allowed: 0 } };
    expect(renderAuditText(clean, colors(false), { quiet: true }).stdout).toBe('');
  });
});
