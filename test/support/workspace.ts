import { mkdtempSync, readFileSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** Where ../shared/interop lives relative to the project root, and whether it is there. */
export const INTEROP = resolve(import.meta.dirname, '../../../shared/interop');
export const HAS_INTEROP = existsSync(INTEROP);
export const INTEROP_MISSING = `skipped: ${INTEROP} is absent (it ships beside the project in CI, not in a user's clone)`;

export function interopText(rel: string): string {
  return readFileSync(join(INTEROP, rel), 'utf8');
}

export function interopJson(rel: string): any {
  return JSON.parse(interopText(rel));
}

/** A temporary directory, removed by the returned cleanup. */
export function tempDir(prefix = 'pylock-attest-test-'): { dir: string; file(name: string, text: string): string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    file(name: string, text: string): string {
      const p = join(dir, name);
      writeFileSync(p, text);
      return p;
    },
    cleanup(): void {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `count` sdists `<prefix><i>-1.0.tar.gz` of projects `<prefix><i>`, sha256 the digit `firstDigit + i` 64 times. */
export function sdistFiles(prefix: string, count: number, firstDigit: number): Array<{ project: string; version: string; filename: string; sha256: string }> {
  return Array.from({ length: count }, (_, i) => ({
    project: `${prefix}${i}`,
    version: '1.0',
    filename: `${prefix}${i}-1.0.tar.gz`,
    sha256: String(firstDigit + i).repeat(64),
  }));
}

/** A lockfile of one package per file, each locking just that file as its sdist (at a URL nothing serves). */
export function sdistLockfile(files: ReadonlyArray<{ project: string; version: string; filename: string; sha256: string }>): string {
  const blocks = files.map(
    (f) =>
      `[[packages]]\nname = "${f.project}"\nversion = "${f.version}"\nsdist = { url = "https://files.example/${f.filename}", hashes = { sha256 = "${f.sha256}" } }\n`,
  );
  return `lock-version = "1.0"\ncreated-by = "test"\n\n${blocks.join('\n')}`;
}

/** Real provenance objects in ../shared/interop (relative paths), the files they attest and the identity each proves. */
export const REAL_PROVENANCE = [
  {
    project: 'pypi-attestations',
    version: '0.0.19',
    filename: 'pypi_attestations-0.0.19.tar.gz',
    sha256: '9bb1add04b1b4e182be6b0b80931593f7a291eb49d69b4fd728a5d4cbcdc4bd3',
    provenance: 'provenance/pypi_attestations-0.0.19.tar.gz.provenance.json',
    identity: { kind: 'GitHub', repository: 'trailofbits/pypi-attestations', workflow: 'release.yml' },
  },
  {
    project: 'pep740-sampleproject',
    version: '1.0.0',
    filename: 'pep740_sampleproject-1.0.0.tar.gz',
    sha256: '6cdd4a1a0a49aeef47265e7bf8ec1667257b397d34d731dc7b7af349deca1cd8',
    provenance: 'provenance/pep740-sampleproject-1.0.0.tar.gz.provenance.json',
    identity: { kind: 'GitLab', repository: 'pep740-example/sampleproject', workflow_filepath: '.gitlab-ci.yml' },
  },
  {
    project: 'gcb-attestation-test',
    version: '0.0.0',
    filename: 'gcb_attestation_test-0.0.0.tar.gz',
    sha256: '461317362419124b6012e855423a9078d6de8aed3e74fa78cc74d669b23dc6cf',
    provenance: 'provenance/gcb_attestation_test-0.0.0.tar.gz.provenance.json',
    identity: { kind: 'Google', email: '919436158236-compute@developer.gserviceaccount.com' },
  },
  {
    project: 'sampleproject',
    version: '4.0.0',
    filename: 'sampleproject-4.0.0.tar.gz',
    sha256: '0ace7980f82c5815ede4cd7bf9f6693684cec2ae47b9b7ade9add533b8627c6b',
    provenance: 'provenance/sampleproject-4.0.0.tar.gz.docs-example.provenance.json',
    identity: { kind: 'GitHub', repository: 'pypa/sampleproject', workflow: 'release.yml' },
  },
];
