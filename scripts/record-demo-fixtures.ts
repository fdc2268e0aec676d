/**
 * Records the offline demo's index data into fixtures/demo/: provenance for
 * every file of fixtures/demo/pylock.toml, minted by @sigstore/mock's fake
 * Fulcio and Rekor, and the trusted root that verifies them. Run once (the
 * output is committed): `node scripts/record-demo-fixtures.ts`.
 *
 * These are TEST certificates from a test CA. They verify only against
 * fixtures/demo/trusted_root.json, never against the production root.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parse } from 'smol-toml';
import { createMockSigstore } from '../test/support/mint.ts';

const DIR = new URL('../fixtures/demo/', import.meta.url);

type Publisher =
  | { kind: 'GitHub'; repository: string; workflow: string }
  | { kind: 'GitLab'; repository: string; workflow_filepath: string }
  | { kind: 'Google'; email: string };

/** Who publishes each demo package (and the environment PyPI would report). */
const PUBLISHERS: Record<string, { publisher: Publisher; environment: string | null } | null> = {
  attrs: { publisher: { kind: 'GitHub', repository: 'python-attrs/attrs', workflow: 'pypi-package.yml' }, environment: 'release-pypi' },
  cattrs: { publisher: { kind: 'GitHub', repository: 'python-attrs/cattrs', workflow: 'release.yml' }, environment: 'pypi' },
  numpy: { publisher: { kind: 'GitHub', repository: 'numpy/numpy', workflow: 'wheels.yml' }, environment: null },
  'pep740-sampleproject': { publisher: { kind: 'GitLab', repository: 'pep740-example/sampleproject', workflow_filepath: '.gitlab-ci.yml' }, environment: null },
  sniffio: null, // uploaded with an API token: no provenance
};

/** The "compromised release" scene: attrs now comes from somewhere else. */
const COMPROMISED: Publisher = { kind: 'GitHub', repository: 'attrs-mirror/attrs', workflow: 'publish.yml' };

const sigstore = await createMockSigstore();
interface LockedFile {
  url: string;
  hashes: { sha256: string };
}
const lock = parse(readFileSync(new URL('pylock.toml', DIR), 'utf8')) as unknown as {
  packages: Array<{ name: string; version: string; sdist?: LockedFile; wheels?: LockedFile[] }>;
};
const files: unknown[] = [];
const compromised: unknown[] = [];
for (const pkg of lock.packages) {
  const entries = [pkg.sdist, ...(pkg.wheels ?? [])].filter((e) => e !== undefined);
  for (const entry of entries) {
    const filename = decodeURIComponent(new URL(entry.url).pathname.split('/').pop()!);
    const sha256 = entry.hashes.sha256;
    const who = PUBLISHERS[pkg['name']];
    const base = { project: pkg['name'], version: pkg['version'], filename, sha256 };
    const provenance = who
      ? {
          version: 1,
          attestation_bundles: [
            {
              publisher: { ...who.publisher, environment: who.environment },
              attestations: [await sigstore.mint({ filename, sha256, publisher: who.publisher })],
            },
          ],
        }
      : null;
    files.push({ ...base, provenance });
    if (pkg['name'] === 'attrs') {
      const attestation = await sigstore.mint({ filename, sha256, publisher: COMPROMISED });
      compromised.push({
        ...base,
        provenance: { version: 1, attestation_bundles: [{ publisher: { ...COMPROMISED, environment: null }, attestations: [attestation] }] },
      });
    }
  }
}
writeFileSync(
  new URL('index.json', DIR),
  JSON.stringify(
    { note: 'Recorded for the offline demo. Test certificates from @sigstore/mock; they verify only against trusted_root.json here.', files },
    null,
    1,
  ) + '\n',
);
writeFileSync(
  new URL('index-compromised.json', DIR),
  JSON.stringify({ note: 'attrs re-published from another repository', files: compromised }, null, 1) + '\n',
);
writeFileSync(new URL('trusted_root.json', DIR), JSON.stringify(sigstore.trustedRoot, null, 1) + '\n');
console.log(`recorded ${files.length} files (${compromised.length} compromised) into fixtures/demo/`);
