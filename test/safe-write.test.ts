/**
 * Rewriting a file the user owns, under the conditions that break naive
 * writers: modes, symlinks, a file that changes while we work, two runs at
 * once, signals mid-run, and files or directories we may not write.
 * Through the built CLI where a user would meet it, through enrich()
 * where a race must be arranged precisely.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { enrich, type EnrichOptions } from '../src/app/enrich.js';
import { onInterrupt } from '../src/cli/signals.js';
import { pendingTempFiles, removePendingTempFiles, trackTempFile } from '../src/io/temp-files.js';
import { startFakeIndex, type FakeIndex } from './support/fake-index.ts';
import { IDENTITY, identitiesIn, leftovers, LOCK, startFaultLab, SDIST, WHEEL, type FaultLab } from './support/fault-lab.ts';
import { createMockSigstore } from './support/mint.ts';
import { tempDir } from './support/workspace.ts';

const isRoot = process.getuid?.() === 0;

describe('safe writes', () => {
  let lab: FaultLab;
  let args: string[];
  let options: EnrichOptions;
  beforeAll(async () => {
    lab = await startFaultLab();
    args = ['--index-url', lab.index.simpleUrl];
    options = { indexUrl: lab.index.simpleUrl, trustedRoot: lab.root, cacheDir: join(lab.dir, 'library-cache') };
  });
  afterAll(() => lab?.close());
  beforeEach(() => {
    lab.index.setFault(undefined);
    lab.index.requests.length = 0;
  });

  describe('modes and symlinks', () => {
    it('keeps the file mode, writes through a symlink (the link stays a link), in one run of three lockfiles', async () => {
      const modes = [0o600, 0o640, 0o755];
      const paths = modes.map((mode) => {
        const path = lab.lockfile(`mode-${mode.toString(8)}.toml`);
        chmodSync(path, mode);
        return path;
      });
      const target = lab.lockfile('real-target.toml');
      const link = join(lab.dir, 'link.toml');
      symlinkSync(target, link);
      const run = await lab.enrich(paths[0]!, [...paths.slice(1), link, ...args]);
      expect(run.code).toBe(0);
      expect(run.report.lockfiles.map((l: any) => l.written)).toEqual([true, true, true, true]);
      paths.forEach((path, i) => {
        expect(statSync(path).mode & 0o7777).toBe(modes[i]);
        expect(identitiesIn(path)).toEqual([IDENTITY]);
      });
      expect(lstatSync(link).isSymbolicLink()).toBe(true);
      expect(readlinkSync(link)).toBe(target);
      expect(identitiesIn(target)).toEqual([IDENTITY]);
      expect(leftovers(lab.dir)).toEqual([]);
    });

    it('refuses a dangling symlink as unreadable (exit 2) and creates nothing', async () => {
      const link = join(lab.dir, 'dangling.toml');
      symlinkSync(join(lab.dir, 'nowhere.toml'), link);
      const run = await lab.enrich(link, args);
      expect(run.code).toBe(2);
      expect(run.report.lockfiles[0].error.code).toBe('LOCK_READ');
      expect(existsSync(join(lab.dir, 'nowhere.toml'))).toBe(false);
    });

    it('writes a lockfile whose name is near the file-name limit (the temp name stays within it)', async () => {
      const name = `pylock.${'n'.repeat(240)}.toml`;
      const path = lab.lockfile(name);
      const run = await lab.enrich(path, args);
      expect(run.code).toBe(0);
      expect(identitiesIn(path)).toEqual([IDENTITY]);
    });
  });

  describe('a file that changes between read and write', () => {
    it('is detected and that run refuses: WRITE_CONFLICT, exit 2, the other edit kept', async () => {
      const path = lab.lockfile('conflict.toml');
      const edited = `${LOCK}# edited by someone else meanwhile\n`;
      // The lockfile has been read by the time the index is asked: change it then.
      lab.index.setFault(({ path: p }) => {
        if (p.startsWith('/simple/')) writeFileSync(path, edited);
        return undefined;
      });
      const run = await lab.enrich(path, args);
      expect(run.code).toBe(2);
      expect(run.report.lockfiles[0]).toMatchObject({ written: false, error: { code: 'WRITE_CONFLICT' } });
      expect(run.report.lockfiles[0].error.message).toContain(path);
      expect(readFileSync(path, 'utf8')).toBe(edited);
      expect(leftovers(lab.dir)).toEqual([]);
    });

    it('a file deleted meanwhile is a conflict too, and is not recreated', async () => {
      const path = lab.lockfile('deleted.toml');
      lab.index.setFault(({ path: p }) => {
        if (p.startsWith('/simple/')) rmSync(path, { force: true });
        return undefined;
      });
      const result = await enrich([path], options);
      expect(result.exitCode).toBe(2);
      expect(result.lockfiles[0]!.error?.code).toBe('WRITE_CONFLICT');
      expect(existsSync(path)).toBe(false);
      expect(leftovers(lab.dir)).toEqual([]);
    });
  });

  describe('two runs on one file at once', () => {
    it('two enrich() calls: both succeed, and the file holds the one correct result', async () => {
      const path = lab.lockfile('concurrent-library.toml');
      const [a, b] = await Promise.all([enrich([path], options), enrich([path], options)]);
      expect([a.exitCode, b.exitCode]).toEqual([0, 0]);
      expect(identitiesIn(path)).toEqual([IDENTITY]);
      const once = readFileSync(path, 'utf8');
      expect(await enrich([path], options)).toMatchObject({ exitCode: 0, lockfiles: [{ changed: false }] });
      expect(readFileSync(path, 'utf8')).toBe(once);
      expect(leftovers(lab.dir)).toEqual([]);
    });

    it('two CLI processes: both exit 0, one complete correct file, no temp files', async () => {
      const path = lab.lockfile('concurrent-cli.toml');
      const runs = await Promise.all([lab.enrich(path, args), lab.enrich(path, args)]);
      expect(runs.map((r) => r.code)).toEqual([0, 0]);
      expect(identitiesIn(path)).toEqual([IDENTITY]);
      expect(leftovers(lab.dir)).toEqual([]);
    });

    it('two runs that would write different identities: one wins whole, the other refuses or is overwritten whole', async () => {
      const other = await otherPublisherIndex();
      try {
        const path = lab.lockfile('concurrent-different.toml');
        const [mine, theirs] = await Promise.all([
          enrich([path], options),
          enrich([path], { ...options, indexUrl: other.index.simpleUrl, trustedRoot: other.root }),
        ]);
        const codes = [mine.exitCode, theirs.exitCode];
        expect(codes.every((c) => c === 0 || c === 2)).toBe(true);
        expect(codes).toContain(0);
        for (const r of [mine, theirs]) if (r.exitCode === 2) expect(r.lockfiles[0]!.error?.code).toBe('WRITE_CONFLICT');
        // Never a mix: exactly one run's complete output.
        const text = readFileSync(path, 'utf8');
        expect([mine.lockfiles[0]!.newText, theirs.lockfiles[0]!.newText]).toContain(text);
        expect(leftovers(lab.dir)).toEqual([]);
      } finally {
        await other.close();
      }
    });
  });

  describe('SIGINT and SIGTERM mid-run', () => {
    for (const [signal, code] of [
      ['SIGINT', 130],
      ['SIGTERM', 143],
    ] as const) {
      it(`${signal} while waiting on the index: exit ${code}, the file intact, no temp files`, async () => {
        lab.index.setFault(() => ({ kind: 'hang' }));
        const path = lab.lockfile(`signal-${signal}.toml`);
        const asked = new Promise<void>((resolve) => {
          const timer = setInterval(() => {
            if (lab.index.requests.length > 0) {
              clearInterval(timer);
              resolve();
            }
          }, 10);
        });
        const run = await lab.enrich(path, [...args, '--timeout', '30'], {
          onSpawn: (child) => void asked.then(() => child.kill(signal)),
        });
        expect(run.code).toBe(code);
        expect(run.stderr).toMatch(new RegExp(`interrupted by ${signal}`));
        expect(readFileSync(path, 'utf8')).toBe(LOCK);
        expect(leftovers(lab.dir)).toEqual([]);
      });
    }

    it('the handler removes temp files a write has not renamed yet, and never the lockfile', () => {
      const temp = join(lab.dir, '.pending.toml.pylock-attest-1-abcd.tmp');
      const lockfile = lab.lockfile('pending.toml');
      writeFileSync(temp, 'half');
      trackTempFile(temp);
      trackTempFile(join(lab.dir, '.already-renamed.tmp')); // gone already: ignored
      const stderr = new PassThrough();
      expect(onInterrupt('SIGTERM', stderr)).toBe(143);
      expect(existsSync(temp)).toBe(false);
      expect(readFileSync(lockfile, 'utf8')).toBe(LOCK);
      expect(String(stderr.read())).toMatch(/removed 1 unfinished temporary file/);
      expect(pendingTempFiles()).toEqual([]);
      expect(removePendingTempFiles()).toBe(0);
    });
  });

  describe('files and directories that cannot be written', () => {
    const rootNote = isRoot ? ' (skipped as root: root may write anything; see the read-only mount test)' : '';
    it.skipIf(isRoot)(`a read-only lockfile: exit 2 (WRITE), untouched${rootNote}`, async () => {
      const path = lab.lockfile('read-only.toml');
      chmodSync(path, 0o444);
      const run = await lab.enrich(path, args);
      expect(run.code).toBe(2);
      expect(run.report.lockfiles[0].error.code).toBe('WRITE');
      expect(readFileSync(path, 'utf8')).toBe(LOCK);
    });

    it.skipIf(isRoot)(`a read-only directory: exit 2 (WRITE), untouched${rootNote}`, async () => {
      const dir = join(lab.dir, 'ro-dir');
      mkdirSync(dir);
      const path = join(dir, 'pylock.toml');
      writeFileSync(path, LOCK);
      chmodSync(dir, 0o555);
      try {
        const run = await lab.enrich(path, args);
        expect(run.code).toBe(2);
        expect(run.report.lockfiles[0].error.code).toBe('WRITE');
        expect(readFileSync(path, 'utf8')).toBe(LOCK);
      } finally {
        chmodSync(dir, 0o755);
      }
    });

    const roMount = readOnlyMountWorks();
    it.skipIf(!roMount.ok)(
      `a directory on a read-only mount: exit 2 (WRITE: read-only file system), untouched${roMount.ok ? '' : ` (skipped: ${roMount.why})`}`,
      async () => {
        const dir = join(lab.dir, 'ro-mount');
        mkdirSync(dir);
        const path = join(dir, 'pylock.toml');
        writeFileSync(path, LOCK);
        // A private mount namespace: the bind is visible to this one process only.
        const wrapper = ['unshare', '-m', 'sh', '-c', 'mount --bind -o ro "$0" "$0" && exec "$@"', dir];
        const run = await lab.enrich(path, args, { wrapper });
        expect(run.code).toBe(2);
        expect(run.report.lockfiles[0].error).toMatchObject({ code: 'WRITE' });
        expect(run.report.lockfiles[0].error.message).toMatch(/read-only file system/);
        expect(readFileSync(path, 'utf8')).toBe(LOCK);
        expect(leftovers(dir)).toEqual([]);
      },
    );
  });
});

/** Can this machine give one process a read-only bind mount (root with CAP_SYS_ADMIN, unshare installed)? */
function readOnlyMountWorks(): { ok: boolean; why: string } {
  if (!isRoot) return { ok: false, why: 'not root; the chmod tests cover read-only files and directories' };
  const dir = `/tmp/pylock-attest-ro-probe-${process.pid}`;
  try {
    mkdirSync(dir, { recursive: true });
    execFileSync('unshare', ['-m', 'sh', '-c', `mount --bind -o ro "${dir}" "${dir}" && ! touch "${dir}/x" 2>/dev/null`], { stdio: 'ignore' });
    return { ok: true, why: '' };
  } catch {
    return { ok: false, why: 'running as root, and unshare/mount cannot make a read-only bind here' };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Another index whose attestations name another publisher for the same files. */
async function otherPublisherIndex(): Promise<{ index: FakeIndex; root: string; close(): Promise<void> }> {
  const sigstore = await createMockSigstore();
  const publisher = { kind: 'GitHub' as const, repository: 'someone-else/demo', workflow: 'publish.yml' };
  const files = [];
  for (const f of [SDIST, WHEEL]) {
    const attestation = await sigstore.mint({ filename: f.filename, sha256: f.sha256, publisher });
    files.push({ ...f, provenance: { version: 1, attestation_bundles: [{ publisher, attestations: [attestation] }] } });
  }
  const index = await startFakeIndex({ files, latencyMs: 5 });
  const root = join(tmpRoot(), `other-root-${process.pid}.json`);
  writeFileSync(root, JSON.stringify(sigstore.trustedRoot));
  return {
    index,
    root,
    close: async () => {
      await index.close();
      rmSync(root, { force: true });
    },
  };
}

function tmpRoot(): string {
  return process.env['TMPDIR'] ?? '/tmp';
}

describe('the conflict check compares the file with the text read, not with a kept copy of its bytes', () => {
  // Past the 64 K characters the check encodes at a time, a surrogate pair across the boundary, a BOM.
  const body = `a = "${'x'.repeat((1 << 16) - 6)}😀${'é'.repeat(70_000)}"\n`;
  const bytes = Buffer.from(`\uFEFF${body}`, 'utf8');
  const ws = tempDir('pylock-attest-encodes-');
  afterAll(() => ws.cleanup());
  const setup = async (name: string) => {
    const { readLockSource } = await import('../src/io/lockfile-io.js');
    const path = join(ws.dir, `${name}.pylock.toml`);
    writeFileSync(path, bytes);
    return { path, source: await readLockSource(path) };
  };

  it('writes when the file still holds those bytes (BOM kept), and is already current on the same text', async () => {
    const { writeLockSource } = await import('../src/io/lockfile-io.js');
    const { path, source } = await setup('same');
    expect(source.bom).toBe(true);
    expect(await writeLockSource(source, `${body}# more\n`)).toBe('written');
    expect(readFileSync(path).equals(Buffer.from(`\uFEFF${body}# more\n`, 'utf8'))).toBe(true);
    expect(await writeLockSource(source, `${body}# more\n`)).toBe('already-current');
  });

  it('refuses when one byte changed far into the file (é → ê, still UTF-8), or the BOM went', async () => {
    const { writeLockSource } = await import('../src/io/lockfile-io.js');
    for (const [name, change] of [
      ['one-byte', (b: Buffer) => b.fill(0xaa, b.length - 3, b.length - 2)],
      ['no-bom', (b: Buffer) => b.subarray(3)],
    ] as const) {
      const { path, source } = await setup(name);
      writeFileSync(path, change(Buffer.from(bytes)));
      await expect(writeLockSource(source, `${body}# more\n`)).rejects.toMatchObject({ code: 'WRITE_CONFLICT' });
    }
  });
});
