import { ERROR_CODES, type ErrorCode } from '../errors.js';
import { AUDIT_CATEGORIES } from '../core/findings.js';
import type { FindingCategory } from '../core/outcome.js';
import { wrap } from './terminal-text.js';

/**
 * What every finding and error code means, how to investigate it and what to
 * do: the one source `pylock-attest explain <name>` prints (offline, from the
 * installed package) and docs/audit.md (findings) and docs/cli.md (error
 * codes) are generated from (`npm run docs:cli`; test/cli-doc.test.ts fails
 * when a document drifts). Markdown, wrapped as the documents show it.
 */
export interface FindingDoc {
  /** The "default" column of docs/audit.md's table. */
  defaultText: string;
  /** Which commands report it. */
  where: string;
  /** One line, for the table. */
  meaning: string;
  /** The next step, in one line: check's text report prints it after each finding (`{path}`: the lockfile). */
  next: string;
  means: string;
  investigate: string;
  accept?: string;
}

export interface ErrorDoc {
  /** Exit code. */
  exit: 1 | 2 | 3 | 130;
  means: string;
  todo: string;
}

export const FINDING_DOCS: Readonly<Record<FindingCategory, FindingDoc>> = {
  'identity-removed': {
    defaultText: 'error',
    where: 'diff',
    meaning: 'attested before, no identity now',
    next: 'if a lock tool regenerated the file, run `pylock-attest enrich {path}`; else hold the upgrade: `pylock-attest explain identity-removed`',
    means: `**Means**: the baseline recorded who publishes this package, and the new lockfile records
nobody. This is the litellm case (March 2026): releases uploaded outside the project's CI carry
no attestation, so a tool that re-records identities finds none, and the record silently
disappears when a locker regenerates the file.`,
    investigate: `**Investigate**: which version does the new lockfile pin, and does it have provenance?
\`pylock-attest check pylock.toml\` (online) shows what the index proves for it today. Look at the
project's release page and repository: was this release made by the usual workflow? A release
with no attestation from a project that always had them is a red flag: hold the upgrade.`,
    accept: `**Accept** (rare; for example a project that stopped using Trusted Publishing on purpose): an
allowance that names the category explicitly. Nothing else ever accepts a removal.

\`\`\`toml
[[tool.pylock-attest.allow]]
package = "example"
category = "identity-removed"
from = { repository = "example-org/example" }
reason = "upstream moved releases off GitHub Actions, see example-org/example#123"
expires = 2026-09-30
\`\`\``,
  },
  'publisher-changed': {
    defaultText: 'error',
    where: 'diff',
    meaning: 'another publisher: `repository`, `workflow`, `environment`, `kind` (forge) or `identity` (set)',
    next: 'confirm the new publisher upstream before you accept it: `pylock-attest explain publisher-changed`',
    means: `**Means**: the package is now attributed to a different publisher than the baseline recorded.
The \`subkind\` says what changed, most significant first:

- \`kind\`: a change of forge (GitHub to GitLab, or to Google Cloud Build).
- \`repository\`: another repository (or, for Google, another service account \`email\`).
- \`workflow\`: another workflow file (\`workflow\`, or GitLab's \`workflow_filepath\`).
- \`environment\`: another deployment environment (or one added or dropped).
- \`identity\`: publishers were added to or dropped from a set of several.`,
    investigate: `**Investigate**: compare \`old\` and \`new\`. A repository transfer or rename is usually announced
upstream; a new repository under another owner is how a typosquat or account takeover looks.
A workflow or environment change should match a commit in the project's repository.`,
    accept: `**Accept**: an allowance with \`from\` and \`to\` (each key you give must match exactly; keys you
leave out match anything). \`to\` must match every newly accepted identity, so an allowance for
A→B never accepts A→{B, C}.

\`\`\`toml
[[tool.pylock-attest.allow]]
package = "attrs"
from = { repository = "python-attrs/attrs", environment = "" }
to = { repository = "python-attrs/attrs", environment = "release-pypi" }
reason = "upstream added a protected release environment"
expires = 2026-06-30
\`\`\`

Then run \`pylock-attest enrich --allow-identity-change pylock.toml\` (or re-lock) so the lockfile
records the new identity, and remove the allowance once that is committed.`,
  },
  'identity-added': {
    defaultText: 'info',
    where: 'diff',
    meaning: 'identities where there were none',
    next: 'nothing to do',
    means: `**Means**: a package records identities where the baseline had none, or a new package arrives
with identities. Informational: more provenance is good news.`,
    investigate: `**Investigate**: nothing to do, unless the package is new to you: then the identity tells you who
publishes it.`,
    accept: `**Accept**: nothing to accept. Lower it further or raise it with \`[tool.pylock-attest.severity]\`.`,
  },
  'new-package-unattested': {
    defaultText: 'info; error under `require-attestations`',
    where: 'diff, policy',
    meaning: 'a new package records no identity',
    next: 'run `pylock-attest enrich {path}` to record its identity if the index has one',
    means: `**Means**: a package that is not in the baseline records no identity. Informational by default;
an **error** for packages matched by \`require-attestations\`. Without a baseline (\`check\` without
\`--base\`) every package counts as new, but then only packages under \`require-attestations\` are
reported (a lockfile where most packages lack attestations is today's normal, not news).`,
    investigate: `**Investigate**: does the index have provenance for it? \`pylock-attest enrich\` records it if so
(\`check\` online reports that as \`not-enriched\`). If the project publishes without Trusted
Publishing, decide whether you need it.`,
    accept: `**Accept**: leave it out of \`require-attestations\`, list it under \`ignore\`, or allow it for a
while:

\`\`\`toml
[[tool.pylock-attest.allow]]
package = "legacy-lib"
category = "new-package-unattested"
reason = "no trusted publishing upstream yet; tracked in our issue 42"
expires = 2026-12-31
\`\`\``,
  },
  'partial-attestation': {
    defaultText: 'error',
    where: 'online, enrich',
    meaning: 'a locked file has no provenance while others of its package are attested',
    next: 'ask whether the named file belongs to the release: `pylock-attest explain partial-attestation`',
    means: `**Means** (online \`check\`, and \`enrich\`, \`refresh\`, \`lock\`): a locked file has no provenance while
other files of the same package are attested. One finding per such file; its \`file\` field names
it. PEP 751 records identities per package, for *any* of its files, so recording the identity the
attested files prove would vouch for this one too. That is exactly how a stolen upload token would
look: an extra wheel uploaded by hand to a release CI published, locked by the next \`uv export\`.
So the package is \`partial\` (never \`verified\`), **no identity is added, recorded ones are kept**,
and the run exits 1. Legitimate causes exist: a project that started attesting mid-way (an old
sdist pinned with new wheels), a hand-built wheel for one platform, an sdist uploaded by hand
beside CI-built wheels (pydantic-core once had this).`,
    investigate: `**Investigate**: look at the named file on the index (upload time, uploader) and at the
project's release notes and CI runs. Was this file part of the release the workflow published? A
file uploaded well after the others of its release, or only for one platform, from a project that
otherwise publishes through Trusted Publishing, deserves a question to the maintainers before you
install it. \`pylock-attest enrich --format json pylock.toml\` shows, per file, which ones verified
and who signed them.`,
    accept: `**Accept**: an allowance that names the file (\`file\`, an exact filename or a glob, compared as the
index spells it) or, without \`file\`, every unattested file of the package. Once every unattested
file of the package is accepted, \`enrich\`/\`refresh\`/\`lock\` write the identities its attested files
prove; the finding stays in every report, marked allowed and citing the allowance. An expired
allowance accepts nothing (and is itself an \`allowance-expired\` error). Lowering the severity
only stops the exit code; it never records an identity.

\`\`\`toml
[[tool.pylock-attest.allow]]
package = "pydantic-core"
category = "partial-attestation"
file = "pydantic_core-2.14.6.tar.gz"            # or a glob: "pydantic_core-*.tar.gz"
reason = "sdist uploaded by hand beside the CI wheels, confirmed upstream (pydantic-core#1234)"
expires = 2026-09-30
\`\`\``,
  },
  'mixed-publishers': {
    defaultText: 'warning',
    where: 'diff, online',
    meaning: 'one package, several publishers',
    next: 'check that each publisher is one the project documents',
    means: `**Means**: one package's files (online), or its recorded identities (offline), come from more
than one publisher. Legitimate for projects that build on two forges; otherwise a sign that
someone else uploaded some of the files.`,
    investigate: `**Investigate**: compare the identities listed; each should be a publisher the project documents.`,
    accept: `**Accept**: \`category = "mixed-publishers"\` in an allowance (with \`to\` to pin the publishers you
expect), or lower its severity. Offline, an unchanged mixed set in a \`diff\` is not reported again.`,
  },
  'index-disagrees': {
    defaultText: 'error',
    where: 'online',
    meaning: 'the lockfile records X, the index proves Y or nothing; or lists another sha256',
    next: 'compare what is recorded with what the index proves: `pylock-attest explain index-disagrees`',
    means: `**Means** (online): the lockfile records identities X, and the index now proves Y, or nothing at
all; or the index lists another sha256 for a locked file, or does not list it (the \`file\` field
names it). Provenance objects are not immutable: the index may add attestations, and a
compromised or misconfigured index may serve something else.`,
    investigate: `**Investigate**: \`old\` is what the lockfile records, \`new\` what the index proves now. If the index
proves nothing where it used to, check whether attestations were removed upstream. A digest the
index no longer lists means the file you locked is not the file the index serves.`,
    accept: `**Accept**: an allowance with \`category = "index-disagrees"\` (and \`from\`/\`to\`), or, if the
index is right, re-record with \`pylock-attest enrich --allow-identity-change\`.`,
  },
  'not-enriched': {
    defaultText: 'error',
    where: 'online',
    meaning: 'the index proves identities the lockfile does not record',
    next: 'run `pylock-attest enrich {path}` and commit the file',
    means: `**Means** (online): the index proves identities for this package, but the lockfile records none.
The lockfile was regenerated by a tool that drops our tables (uv, pdm and Renovate do), or never
enriched.`,
    investigate: `**Investigate**: usually nothing suspicious: run \`pylock-attest enrich pylock.toml\` and commit.`,
    accept: `**Accept**: run \`enrich\`. To postpone it, \`category = "not-enriched"\` in an allowance, or lower
its severity.`,
  },
  'verification-failed': {
    defaultText: 'error',
    where: 'online',
    meaning: 'an attestation the index serves does not verify',
    next: 'do not install it; report it to the project and the index',
    means: `**Means** (online): an attestation the index serves for a locked file does not verify: bad
signature, certificate not from Sigstore, publisher claims that do not match the certificate,
or a statement about another file or digest. The \`file\` field names the file.`,
    investigate: `**Investigate**: the message names the failing stage. A digest mismatch means the lockfile's
sha256 is not the file the attestation covers. Anything else deserves a report to the project
and to the index.`,
    accept: `**Accept**: not by default. An allowance with \`category = "verification-failed"\` works, but ask
yourself twice.`,
  },
  unavailable: {
    defaultText: 'exit 3',
    where: 'online',
    meaning: 'the index could not answer',
    next: 'check the network (and any proxy), or run again later; --timeout and --deadline bound the wait',
    means: `**Means** (online): the index could not answer for a file (HTTP 403 while attestations are
disabled, a network error, a malformed answer). That is no evidence of anything: the check
exits **3** and says nothing passed. It cannot be allowed or re-graded.`,
    investigate: `**Investigate**: the message says what failed. Run again later; \`--timeout\` and \`--deadline\`
bound the wait.`,
  },
  'allowance-expired': {
    defaultText: 'error',
    where: 'policy',
    meaning: 'an allowance is past its `expires` date',
    next: 'delete the allowance, or review it and move `expires`',
    means: `**Means**: an allowance in the policy is past its \`expires\` date. It accepts nothing any more,
and it is itself a finding (at its line in the policy file), so accepted risks are reviewed.`,
    investigate: `**Investigate**: is the change it accepted now recorded in the lockfile (then delete the
allowance), or is it still needed (then review it again and move the date)?`,
    accept: `**Accept**: edit \`expires\`, or lower the category's severity (\`allowance-expired = "warning"\`).`,
  },
};

export const ERROR_DOCS: Readonly<Record<ErrorCode, ErrorDoc>> = {
  USAGE: {
    exit: 2,
    means:
      'The command line cannot be acted on: an unknown option (the message suggests the closest one), a missing argument, a value out of range, options that contradict each other, or the wrong kind of file for the command (a requirements file given to `enrich`, a lockfile given to `lock`).',
    todo: 'Fix the command line as the message says; `pylock-attest <command> --help` lists every option, with examples.',
  },
  LOCK_READ: {
    exit: 2,
    means:
      'A file named on the command line (a lockfile, a requirements file, a policy file) could not be read: it does not exist, is a directory, or is not readable. Nothing was written.',
    todo: 'Check the path (relative to the current directory) and its permissions.',
  },
  LOCK_ENCODING: {
    exit: 2,
    means: 'The file is not valid UTF-8, or starts with two byte order marks. TOML files must be UTF-8; the message names the line. Nothing was written.',
    todo: 'Re-save the file as UTF-8 (one byte order mark at most).',
  },
  LOCK_PARSE: {
    exit: 2,
    means:
      'The file is not valid TOML 1.0 (the message names the line and column), or uses syntax only TOML 1.1 allows, which PEP 751 tools do not all read. Nothing was written.',
    todo: 'Fix the TOML at the line named; if a tool wrote it, regenerate the file with that tool.',
  },
  LOCK_VERSION: {
    exit: 2,
    means:
      "The lockfile's `lock-version` is one this version of pylock-attest does not understand (a 2.x lock), so it cannot tell which keys mean what. Nothing was written.",
    todo: 'Upgrade pylock-attest, or regenerate the lockfile with a tool that writes lock-version 1.x.',
  },
  LOCK_INVALID: {
    exit: 2,
    means:
      'The file is TOML but not a PEP 751 lock as written in the spec: a required key is missing or has the wrong type, or a file entry is not a file of its package (a wheel of another project, a version that does not match). The message names the line and package. Nothing was written.',
    todo: 'Fix the entry named, or regenerate the lockfile with its lock tool.',
  },
  LOCK_SHAPE: {
    exit: 2,
    means:
      'The lockfile is valid, but written in a shape pylock-attest will not rewrite safely (for example a package whose identities are an inline array it cannot extend without re-serializing). The file is left byte-identical.',
    todo: 'Rewrite the named package entry as [[packages]] tables (as uv and pip write them), or report the shape so it can be supported.',
  },
  EDIT_MISMATCH: {
    exit: 2,
    means:
      "After splicing identities into the text, the re-parsed file did not equal the original data plus those identities, so the edit was refused and the file left byte-identical. This is the editor's safety check doing its job: it should never happen.",
    todo: 'Please report it with the lockfile (or a small one that shows it); nothing was changed.',
  },
  WRITE: {
    exit: 2,
    means:
      'The new lockfile could not be written (permissions, a full disk, a read-only directory). Lockfiles are replaced by rename, so the old file is intact.',
    todo: 'Make the file and its directory writable, then run the command again.',
  },
  WRITE_CONFLICT: {
    exit: 2,
    means:
      'The lockfile changed (or appeared) on disk while pylock-attest was running, for example because a lock tool or an editor wrote it. Nothing was written, so neither change is lost.',
    todo: 'Run the command again once the other writer is done.',
  },
  TRUST_ROOT: {
    exit: 2,
    means:
      'The Sigstore trusted root could not be loaded: TUF could not refresh it and no usable cached copy exists, or the file given with --trusted-root is not a trusted_root.json. Without it nothing can be verified.',
    todo: 'Run once with the network (TUF caches the root), or pass --trusted-root FILE.',
  },
  INDEX_URL: {
    exit: 2,
    means:
      "An index URL was refused before any request: it is not HTTPS (plain http is allowed on loopback only), it is malformed, or a lockfile's (or requirements file's) `index` names a host this run was not told to trust, so the file cannot aim the run at a server of its choosing.",
    todo: 'Use an https:// URL; to trust another host pass --allow-index-host HOST, or --index-url to query one index for every package.',
  },
  REQUIREMENTS: {
    exit: 2,
    means:
      '`lock` could not turn the requirements files into pins: a requirement is not an exact `==` pin, two files pin a project differently, an option is not supported, an include is missing or circular, or no index lists a project. The message names the file and line. Nothing was written.',
    todo: 'Pin every requirement exactly (pip-compile or uv pip compile output), then run lock again.',
  },
  POLICY: {
    exit: 2,
    means:
      'The policy ([tool.pylock-attest] in pyproject.toml, or --policy FILE) is invalid: an unknown key, a bad glob, an allowance without reason or expiry. A policy is never half-applied: the run stops before any request.',
    todo: 'Fix the key at the line named (docs/audit.md, section Policy, lists every key).',
  },
  GIT_READ: {
    exit: 2,
    means:
      'A `git:<rev>` or `git:<rev>:<path>` input could not be read: git is missing, the revision does not exist, or the path is not a file at that revision (paths are relative to the current directory).',
    todo: 'Check the revision with `git log` and the path with `git ls-tree <rev> -- <path>`.',
  },
  INDEX_HTTP: {
    exit: 3,
    means:
      'The index answered with an HTTP error (a 403 while attestations are disabled, a 5xx, a 429 after every retry). That is no evidence about the package: the run says nothing passed, and every file is left byte-identical.',
    todo: 'Try again later; lower --concurrency for a 429.',
  },
  INDEX_NETWORK: {
    exit: 3,
    means:
      'The index could not be reached at all: DNS failed, the connection was refused or reset, TLS failed, or the proxy in HTTPS_PROXY / HTTP_PROXY did not answer. Printed once, with the first cause; every file is left byte-identical.',
    todo: 'Check the network and any proxy (HTTPS_PROXY, NO_PROXY); with no network at all, `enrich --offline` answers from the cache of an earlier run, and `check --offline` needs no index.',
  },
  INDEX_TIMEOUT: {
    exit: 3,
    means: 'The index did not answer in time: one request passed --timeout, or the whole run passed --deadline. Every file is left byte-identical.',
    todo: 'Try again later, or raise --timeout / --deadline for a slow index.',
  },
  INDEX_BODY: {
    exit: 3,
    means:
      'The index answered with something that is not a valid provenance object or project page (malformed JSON, the wrong media type, a truncated or oversized body). Remote data is parsed strictly: nothing from it was used.',
    todo: 'Check that the index URL points at a PEP 740 index; if it is PyPI, try again later.',
  },
  INDEX_UNAVAILABLE: {
    exit: 3,
    means:
      'Some files could not be answered for (see INDEX_HTTP, INDEX_NETWORK, INDEX_TIMEOUT, INDEX_BODY for the cause), so the run is incomplete: a half-answered run must not look like a complete one, and nothing was written.',
    todo: 'Fix the cause named in the message and run again.',
  },
  OFFLINE_MISS: {
    exit: 3,
    means: 'With --offline, the cache holds no answer for a file, so it cannot be checked. Nothing was written.',
    todo: 'Run once with the network (without --offline) to fill the cache, with the same --cache-dir.',
  },
  NO_PROVENANCE: {
    exit: 1,
    means:
      "The index says a locked file has no provenance (the Integrity API's 404, or `provenance: null` in the Simple API). For a package whose other files are attested that is a partial-attestation finding; alone it is the normal state of most packages today.",
    todo: 'Nothing, unless a policy requires attestations for the package (`pylock-attest explain new-package-unattested`).',
  },
  VERIFY_FAILED: {
    exit: 1,
    means:
      'An attestation did not verify: the message names the stage (signature, certificate, transparency log, publisher, file digest or name). See `pylock-attest explain verification-failed`.',
    todo: 'Do not install the file; report it to the project and the index.',
  },
  INTERRUPTED: {
    exit: 130,
    means:
      'The run was interrupted (Ctrl-C: exit 130; SIGTERM: exit 143; the reader of its output went away, as in `| head`: exit 141, quietly). Lockfiles are only ever replaced by rename, so each is either untouched or completely written; unfinished temporary files are removed.',
    todo: 'Run the command again.',
  },
};

export type Explanation = { kind: 'finding'; name: FindingCategory; doc: FindingDoc } | { kind: 'error'; name: ErrorCode; doc: ErrorDoc };

/** A finding by its name, or an error code as `INDEX_NETWORK` or `index-network`, any case. */
export function findExplanation(name: string): Explanation | undefined {
  const finding = name.trim().toLowerCase().replace(/_/g, '-');
  const category = AUDIT_CATEGORIES.find((c) => c === finding);
  if (category !== undefined) return { kind: 'finding', name: category, doc: FINDING_DOCS[category] };
  const code = ERROR_CODES.find((c) => c === name.trim().toUpperCase().replace(/-/g, '_'));
  return code === undefined ? undefined : { kind: 'error', name: code, doc: ERROR_DOCS[code] };
}

/** Every name explain knows: findings first, then error codes. */
export function knownNames(): string[] {
  return [...AUDIT_CATEGORIES, ...ERROR_CODES];
}

/** A finding's next step, with the lockfile's path in place of `{path}`. */
export function nextStep(category: FindingCategory, path: string): string {
  return FINDING_DOCS[category].next.replaceAll('{path}', path);
}

/** docs/audit.md's table and one section per finding (between its generated-block markers). */
export function renderFindingDocs(): string {
  const rows = AUDIT_CATEGORIES.map((c) => `| [\`${c}\`](#${c}) | ${FINDING_DOCS[c].defaultText} | ${FINDING_DOCS[c].where} | ${FINDING_DOCS[c].meaning} |`);
  const sections = AUDIT_CATEGORIES.map((c) => {
    const d = FINDING_DOCS[c];
    return [`### ${c}`, '', d.means, '', d.investigate, ...(d.accept !== undefined ? ['', d.accept] : [])].join('\n');
  });
  return ['| category | default | where | meaning |', '|---|---|---|---|', ...rows, '', sections.join('\n\n')].join('\n');
}

/** docs/cli.md's error-code reference. */
export function renderErrorDocs(): string {
  const sections = ERROR_CODES.map((c) =>
    [`### ${c}`, '', `Exit ${ERROR_DOCS[c].exit}. ${ERROR_DOCS[c].means}`, '', `**What to do**: ${ERROR_DOCS[c].todo}`].join('\n'),
  );
  return sections.join('\n\n');
}

/**
 * The terminal text of `explain`: the same markdown, with its bold labels as
 * headings and links as plain text (a terminal does not follow `#anchors`).
 */
export function explanationText(e: Explanation): string {
  if (e.kind === 'error') {
    return [`${e.name} (an error, exit ${e.doc.exit})`, '', wrap(e.doc.means, 96).join('\n'), '', 'What to do', wrap(e.doc.todo, 96).join('\n'), ''].join('\n');
  }
  const d = e.doc;
  const parts = [
    `${e.name}: ${d.meaning} (default severity: ${d.defaultText}; found by: ${d.where.replace(/\bonline\b/, 'online check')})`,
    '',
    plain(d.means),
    '',
    plain(d.investigate),
  ];
  if (d.accept !== undefined) parts.push('', plain(d.accept));
  parts.push('', `Next step in a report: ${nextStep(e.name, 'pylock.toml')}`, '');
  return parts.join('\n');
}

const LABELS: ReadonlyArray<[RegExp, string]> = [
  [/^\*\*Means\*\*/, 'What it means'],
  [/^\*\*Investigate\*\*/, 'How to investigate'],
  [/^\*\*Accept\*\*/, 'How to accept it'],
];

function plain(markdown: string): string {
  let text = markdown;
  for (const [label, heading] of LABELS) text = text.replace(label, heading);
  return text.replace(/\[([^\]]+)\]\(#[^)]*\)/g, '$1').replace(/\[([^\]]+)\]\(([^)#][^)]*)\)/g, '$1 ($2)');
}
