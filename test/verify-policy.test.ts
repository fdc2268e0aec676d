import { describe, expect, it } from 'vitest';
import type { Identity } from '../src/core/types.js';
import type { CertificateClaims } from '../src/verify/certificate-claims.js';
import { decodeDerUtf8String, decodeSubjectAltNames, DerError } from '../src/verify/der.js';
import { checkPublisher, GITHUB_ISSUER, GITLAB_ISSUER, GOOGLE_ISSUER } from '../src/verify/policy.js';

const utf8String = (s: string): Uint8Array => {
  const body = Buffer.from(s, 'utf8');
  if (body.length >= 0x80) throw new Error('test helper: short strings only');
  return Buffer.concat([Buffer.from([0x0c, body.length]), body]);
};

describe('DER decoding', () => {
  it('decodes a UTF8String', () => {
    expect(decodeDerUtf8String(utf8String('https://gitlab.com'))).toBe('https://gitlab.com');
    const long = 'x'.repeat(200);
    expect(decodeDerUtf8String(Buffer.concat([Buffer.from([0x0c, 0x81, 200]), Buffer.from(long)]))).toBe(long);
  });

  it.each([
    ['trailing bytes', Buffer.concat([utf8String('a'), Buffer.from([0])])],
    ['a different tag', Buffer.from([0x13, 0x01, 0x61])],
    ['a truncated value', Buffer.from([0x0c, 0x05, 0x61])],
    ['a non-minimal length', Buffer.from([0x0c, 0x81, 0x01, 0x61])],
    ['an indefinite length', Buffer.from([0x0c, 0x80, 0x61, 0x00, 0x00])],
    ['invalid UTF-8', Buffer.from([0x0c, 0x02, 0xc3, 0x28])],
    ['nothing', Buffer.alloc(0)],
  ])('rejects %s', (_name, bytes) => {
    expect(() => decodeDerUtf8String(bytes)).toThrow(DerError);
  });

  it('reads email and URI names from a SAN, rejecting non-ASCII', () => {
    const email = Buffer.from('a@b.c');
    const uri = Buffer.from('https://x');
    const seq = (inner: Buffer) => Buffer.concat([Buffer.from([0x30, inner.length]), inner]);
    const names = seq(Buffer.concat([Buffer.from([0x81, email.length]), email, Buffer.from([0x86, uri.length]), uri]));
    expect(decodeSubjectAltNames(names)).toEqual({ emails: ['a@b.c'], uris: ['https://x'] });
    // 0xe1 with its high bit dropped would read as 'a'.
    expect(() => decodeSubjectAltNames(seq(Buffer.from([0x81, 0x05, 0xe1, 0x40, 0x62, 0x2e, 0x63])))).toThrow(DerError);
  });
});

const github: CertificateClaims = {
  issuerV1: GITHUB_ISSUER,
  issuerV2: GITHUB_ISSUER,
  sourceRepositoryUri: 'https://github.com/o/r',
  sourceRepositoryDigest: 'abc123',
  sourceRepositoryRef: 'refs/tags/v1',
  buildConfigUri: 'https://github.com/o/r/.github/workflows/release.yml@refs/tags/v1',
  sanEmails: [],
  sanUris: ['https://github.com/o/r/.github/workflows/release.yml@refs/tags/v1'],
};
const gitlab: CertificateClaims = {
  issuerV2: GITLAB_ISSUER,
  sourceRepositoryUri: 'https://gitlab.com/g/s/p',
  sourceRepositoryDigest: 'abc123',
  sourceRepositoryRef: 'refs/heads/main',
  buildConfigUri: 'https://gitlab.com/g/s/p//.gitlab-ci.yml@abc123',
  sanEmails: [],
  sanUris: [],
};
const google: CertificateClaims = { issuerV1: GOOGLE_ISSUER, issuerV2: GOOGLE_ISSUER, sanEmails: ['sa@p.iam.gserviceaccount.com'], sanUris: [] };

describe('checkPublisher', () => {
  it('accepts exact matches and reports keys the certificate cannot prove', () => {
    expect(checkPublisher({ kind: 'GitHub', repository: 'o/r', workflow: 'release.yml' }, github)).toEqual({ ok: true, unverifiedKeys: [] });
    expect(checkPublisher({ kind: 'GitHub', repository: 'o/r', workflow: 'release.yml', environment: 'pypi' }, github)).toEqual({
      ok: true,
      unverifiedKeys: ['environment'],
    });
    expect(checkPublisher({ kind: 'GitLab', repository: 'g/s/p', workflow_filepath: '.gitlab-ci.yml' }, gitlab).ok).toBe(true);
    expect(checkPublisher({ kind: 'Google', email: 'sa@p.iam.gserviceaccount.com' }, google).ok).toBe(true);
  });

  it('accepts the GitHub build config at the digest when the ref is absent', () => {
    const claims = { ...github, sourceRepositoryRef: undefined, buildConfigUri: 'https://github.com/o/r/.github/workflows/release.yml@abc123' };
    expect(checkPublisher({ kind: 'GitHub', repository: 'o/r', workflow: 'release.yml' }, claims).ok).toBe(true);
  });

  it.each<[string, Identity, CertificateClaims]>([
    ['repo case differs', { kind: 'GitHub', repository: 'O/R', workflow: 'release.yml' }, github],
    ['workflow case differs', { kind: 'GitHub', repository: 'o/r', workflow: 'Release.yml' }, github],
    ['repo with a path', { kind: 'GitHub', repository: 'o/r/x', workflow: 'release.yml' }, github],
    ['repo with whitespace', { kind: 'GitHub', repository: 'o/r ', workflow: 'release.yml' }, github],
    ['workflow with a path', { kind: 'GitHub', repository: 'o/r', workflow: 'sub/release.yml' }, github],
    [
      'no source repository digest, only the ref',
      { kind: 'GitHub', repository: 'o/r', workflow: 'release.yml' },
      { ...github, sourceRepositoryDigest: undefined },
    ],
    [
      'empty ref claim',
      { kind: 'GitHub', repository: 'o/r', workflow: 'release.yml' },
      { ...github, sourceRepositoryDigest: '', sourceRepositoryRef: '', buildConfigUri: 'https://github.com/o/r/.github/workflows/release.yml@' },
    ],
    ['v1 issuer disagrees', { kind: 'GitHub', repository: 'o/r', workflow: 'release.yml' }, { ...github, issuerV1: GITLAB_ISSUER }],
    ['GitLab repo without a namespace', { kind: 'GitLab', repository: 'p', workflow_filepath: '.gitlab-ci.yml' }, gitlab],
    ['GitLab path case differs', { kind: 'GitLab', repository: 'g/s/p', workflow_filepath: '.GitLab-ci.yml' }, gitlab],
    [
      'GitLab single slash',
      { kind: 'GitLab', repository: 'g/s/p', workflow_filepath: '.gitlab-ci.yml' },
      { ...gitlab, buildConfigUri: 'https://gitlab.com/g/s/p/.gitlab-ci.yml@abc123' },
    ],
    ['Google email case differs', { kind: 'Google', email: 'SA@p.iam.gserviceaccount.com' }, google],
    ['Google only the v2 issuer', { kind: 'Google', email: 'sa@p.iam.gserviceaccount.com' }, { ...google, issuerV1: undefined }],
    ['Google with a GitHub certificate', { kind: 'Google', email: 'sa@p.iam.gserviceaccount.com' }, { ...github, sanEmails: ['sa@p.iam.gserviceaccount.com'] }],
    ['unknown kind', { kind: 'ActiveState', organization: 'o' }, github],
    ['lowercase kind', { kind: 'github', repository: 'o/r', workflow: 'release.yml' }, github],
  ])('rejects: %s', (_name, identity, claims) => {
    expect(checkPublisher(identity, claims).ok).toBe(false);
  });
});
