/**
 * `pylock-attest … | head`: the reader goes away mid-report. The run ends as
 * a SIGPIPE would end it (141), quietly: no stack, no "Unhandled 'error'
 * event" on stderr (cli/signals.ts `exitOnClosedPipe`).
 */
import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN } from './support/run-cli.ts';
import { tempDir } from './support/workspace.ts';

describe('a reader that goes away', () => {
  const ws = tempDir();
  afterAll(() => ws.cleanup());

  it('ends with 141 and says nothing once stdout is closed mid-report', async () => {
    // 3,000 packages, none attested, all required: a report far larger than a pipe's buffer.
    const packages = Array.from(
      { length: 3000 },
      (_, i) =>
        `\n[[packages]]\nname = "p${i}"\nversion = "1.0"\nsdist = { url = "https://files.example/p${i}-1.0.tar.gz", hashes = { sha256 = "${'a'.repeat(64)}" } }\n`,
    );
    const lock = ws.file('pylock.toml', `lock-version = "1.0"\ncreated-by = "test"\n${packages.join('')}`);
    const policy = ws.file('policy.toml', 'require-attestations = ["*"]\n');
    const child = spawn(process.execPath, [BIN, 'check', '--offline', '--format', 'json', '--policy', policy, lock], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    let first = '';
    child.stdout.once('data', (chunk: Buffer) => {
      first = chunk.toString('utf8');
      child.stdout.destroy(); // as `head -c` does once it has enough
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(first).toMatch(/^\{/);
    expect([code, stderr]).toEqual([141, '']);
  });
});
