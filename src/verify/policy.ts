/**
 * Publisher policy: does the verified Fulcio certificate belong to the
 * Trusted Publisher identity we were given?
 *
 * Every comparison is an exact, case-sensitive string equality against a
 * string we build from the identity, mirroring pypi-attestations' policies
 * (the ones PyPI runs on upload). We never use sigstore-js's
 * certificateIdentity* options (unanchored regexes) nor certificateOIDs (raw
 * bytes, which never match these DER-wrapped claims).
 *
 * What the certificate cannot tell us, we do not claim: `environment` is not
 * in a Fulcio certificate, so it is reported back as unverified.
 */
import type { Identity } from '../core/types.js';
import type { CertificateClaims } from './certificate-claims.js';

export const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';
export const GITLAB_ISSUER = 'https://gitlab.com';
export const GOOGLE_ISSUER = 'https://accounts.google.com';

export type PolicyResult = { ok: true /** identity keys the certificate could not vouch for */; unverifiedKeys: string[] } | { ok: false; reason: string };

type Check = string | undefined; // a failure reason, or undefined when the check passed

/** Keys each kind's policy actually proves from the certificate. */
const PROVEN_KEYS: Record<string, readonly string[]> = {
  GitHub: ['kind', 'repository', 'workflow'],
  GitLab: ['kind', 'repository', 'workflow_filepath'],
  Google: ['kind', 'email'],
};

export function checkPublisher(identity: Identity, claims: CertificateClaims): PolicyResult {
  const reason = policyFor(identity, claims);
  if (reason !== undefined) return { ok: false, reason };
  const proven = PROVEN_KEYS[identity.kind] ?? [];
  return {
    ok: true,
    unverifiedKeys: Object.keys(identity)
      .filter((k) => !proven.includes(k))
      .sort(),
  };
}

function policyFor(identity: Identity, claims: CertificateClaims): Check {
  switch (identity.kind) {
    case 'GitHub':
      return checkGitHub(identity, claims);
    case 'GitLab':
      return checkGitLab(identity, claims);
    case 'Google':
      return checkGoogle(identity, claims);
    default:
      // Never "verified" for a kind whose claims we do not know how to bind.
      return `cannot check identity for publisher kind ${JSON.stringify(identity.kind)}`;
  }
}

function stringKey(identity: Identity, key: string): string | undefined {
  const v = identity[key];
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

/** The `primary` issuer claim must equal `expected`; the other one, when present, must agree (Fulcio writes both alike). */
function checkIssuer(claims: CertificateClaims, expected: string, primary: 'issuerV1' | 'issuerV2'): Check {
  if (claims[primary] !== expected) return `certificate issuer is ${JSON.stringify(claims[primary])}, expected ${expected}`;
  const other = primary === 'issuerV1' ? claims.issuerV2 : claims.issuerV1;
  if (other !== undefined && other !== expected) return 'certificate carries two different issuers';
  return undefined;
}

/** Build config URI must equal `${prefix}@${ref}` for one of the refs the certificate itself states. */
function checkBuildConfig(claims: CertificateClaims, prefix: string, refs: (string | undefined)[]): Check {
  const stated = refs.filter((r): r is string => r !== undefined && r.length > 0);
  if (stated.length === 0) return 'certificate has neither a source repository digest nor a ref';
  if (claims.buildConfigUri === undefined) return 'certificate has no build config URI';
  if (stated.some((ref) => claims.buildConfigUri === `${prefix}@${ref}`)) return undefined;
  return `certificate build config URI ${JSON.stringify(claims.buildConfigUri)} is not ${prefix}@<ref>`;
}

// `owner/name`: exactly one slash, so the identity cannot smuggle extra path segments into the URIs we build.
const GITHUB_REPOSITORY = /^[^/\s]+\/[^/\s]+$/;

/**
 * GitHub: the source repository digest (the commit, from the OIDC token's
 * `sha`, which GitHub always sets) must be in the certificate; the ref is
 * optional (GitHub leaves `ref` empty for some deployment events). This is
 * stricter than pypi-attestations (>= 0.0.23 accepts either one alone) only
 * for a certificate Fulcio never issues to GitHub Actions: one with a ref and
 * no digest (docs/decisions.md, "Publisher policy").
 */
function checkGitHub(identity: Identity, claims: CertificateClaims): Check {
  const repository = stringKey(identity, 'repository');
  const workflow = stringKey(identity, 'workflow');
  if (repository === undefined || !GITHUB_REPOSITORY.test(repository)) return 'GitHub identity needs repository "owner/name"';
  if (workflow === undefined || workflow.includes('/')) return 'GitHub identity needs a workflow file name';
  if (claims.sourceRepositoryDigest === undefined || claims.sourceRepositoryDigest.length === 0) {
    return 'the certificate has no source repository digest (the commit), which every GitHub Actions certificate carries';
  }
  const repoUri = `https://github.com/${repository}`;
  return (
    checkIssuer(claims, GITHUB_ISSUER, 'issuerV2') ??
    (claims.sourceRepositoryUri === repoUri ? undefined : `certificate source repository is not ${repoUri}`) ??
    checkBuildConfig(claims, `${repoUri}/.github/workflows/${workflow}`, [claims.sourceRepositoryDigest, claims.sourceRepositoryRef])
  );
}

// `namespace[/subgroup...]/project`.
const GITLAB_REPOSITORY = /^[^/\s]+(\/[^/\s]+)+$/;

function checkGitLab(identity: Identity, claims: CertificateClaims): Check {
  const repository = stringKey(identity, 'repository');
  const path = stringKey(identity, 'workflow_filepath');
  if (repository === undefined || !GITLAB_REPOSITORY.test(repository)) return 'GitLab identity needs repository "namespace/project"';
  if (path === undefined) return 'GitLab identity needs workflow_filepath';
  // pypi-attestations requires both the digest and the ref claims for GitLab.
  if (claims.sourceRepositoryDigest === undefined || claims.sourceRepositoryRef === undefined) {
    return 'certificate lacks the source repository digest or ref';
  }
  const repoUri = `https://gitlab.com/${repository}`;
  return (
    checkIssuer(claims, GITLAB_ISSUER, 'issuerV2') ??
    (claims.sourceRepositoryUri === repoUri ? undefined : `certificate source repository is not ${repoUri}`) ??
    // Note the double slash: GitLab's ci_config_ref_uri is `{project}//{path}@{ref}`.
    checkBuildConfig(claims, `${repoUri}//${path}`, [claims.sourceRepositoryDigest, claims.sourceRepositoryRef])
  );
}

function checkGoogle(identity: Identity, claims: CertificateClaims): Check {
  const email = stringKey(identity, 'email');
  if (email === undefined) return 'Google identity needs email';
  // pypi-attestations checks the v1 issuer (1.1) here, and the SAN among email and URI names.
  const issuer = checkIssuer(claims, GOOGLE_ISSUER, 'issuerV1');
  if (issuer !== undefined) return issuer;
  if (claims.sanEmails.includes(email) || claims.sanUris.includes(email)) return undefined;
  return `certificate subject is not ${email}`;
}
