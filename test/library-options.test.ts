/**
 * From plain JavaScript nothing checks an options object's keys: a misspelt
 * `dryrun` would write the file, a misspelt `offine` would use the network.
 * Every entry point refuses an unknown key (USAGE) before doing anything.
 */
import { describe, expect, it } from 'vitest';
import { check, diff, enrich, lock, refresh, PylockAttestError } from '../src/index.js';
import { tempDir } from './support/workspace.ts';

async function usage(run: () => Promise<unknown>): Promise<PylockAttestError> {
  try {
    await run();
  } catch (e) {
    expect(e).toBeInstanceOf(PylockAttestError);
    expect((e as PylockAttestError).code).toBe('USAGE');
    return e as PylockAttestError;
  }
  throw new Error('expected a USAGE error');
}

describe('library options: unknown keys are a usage error', () => {
  const ws = tempDir();
  const lockfile = ws.file('pylock.toml', 'lock-version = "1.0"\ncreated-by = "test"\n');

  it('enrich, refresh, check, diff and lock name the key, suggest the real one and list what they take', async () => {
    const unknown = { dryrun: true } as unknown as object;
    const e = await usage(() => enrich([lockfile], unknown));
    expect(e.message).toBe("enrich(): unknown option 'dryrun'; did you mean 'dryRun'?");
    expect(e.hint).toContain('enrich() takes ');
    expect(e.hint).toContain('dryRun');
    expect((await usage(() => refresh([lockfile], { offine: true } as object))).message).toBe("refresh(): unknown option 'offine'; did you mean 'offline'?");
    expect((await usage(() => check([lockfile], { bse: 'git:HEAD' } as object))).message).toBe("check(): unknown option 'bse'; did you mean 'base'?");
    expect((await usage(() => diff(lockfile, lockfile, { policy_file: 'x' } as object))).message).toMatch(/^diff\(\): unknown option 'policy_file'/);
    expect((await usage(() => lock(['requirements.txt'], { outputFile: 'x' } as object))).message).toMatch(/^lock\(\): unknown option 'outputFile'/);
    expect((await usage(() => enrich([lockfile], null as unknown as object))).message).toBe('enrich(): options must be an object');
  });

  it('known keys pass (a dry run writes nothing)', async () => {
    const result = await enrich([lockfile], { dryRun: true, offline: true, cacheDir: ws.dir });
    expect(result).toMatchObject({ schema: 'pylock-attest/enrich@2', verification: true, exitCode: 0 });
  });
});
