import { describe, expect, it } from 'vitest';
import { renderAuditText } from '../src/cli/report/text.js';
import { colors } from '../src/cli/terminal-text.js';
import { everyCategoryResult, fixtureResult } from './report-sample.ts';

describe('text report', () => {
  it('groups by file, errors first, and ends with a summary', async () => {
    const text = renderAuditText(await fixtureResult(), colors(false));
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
    expect(renderAuditText(result, colors(false))).not.toContain('\u001b');
    expect(renderAuditText(result, colors(true))).toContain('\u001b[31m');
    const plain = renderAuditText(result, colors(false));
    expect(plain).toContain('\\u001b[31m');
    expect(plain).toContain('evil/re\\u000apo');
  });

  it('lockfile errors are shown under their file', () => {
    const text = renderAuditText(everyCategoryResult(), colors(false));
    expect(text).toMatch(/broken\.toml\n {2}error broken\.toml:3:7:/);
  });
});
