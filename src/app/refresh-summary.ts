import { describeIdentity } from '../core/identity.js';
import { SKIP_REASONS } from '../core/lockfile.js';
import { describeProven, type Finding, type PackageOutcome } from '../core/outcome.js';
import type { Identity } from '../core/types.js';
import { VERSION } from '../version.js';
import type { RefreshResult } from './refresh.js';

/**
 * The markdown a scheduled job puts in a pull-request body (`refresh --summary FILE`).
 * Pure. Package names and identities are remote or user data: they only ever
 * appear inside code spans, so they cannot become links, HTML, images or
 * @-mentions in the rendered PR.
 */

/** GitHub refuses PR bodies over 65,536 characters; stay well under it. */
export const SUMMARY_MAX_CHARS = 60_000;

const HEADLINES: Record<RefreshResult['outcome'], string> = {
  unchanged: 'nothing changed',
  updated: 'attestation identities updated',
  'needs-human': 'findings need a human',
  failed: 'the run could not complete',
};

const EXPLANATIONS: Record<RefreshResult['outcome'], string> = {
  unchanged: 'Every locked file was re-checked against the index; the recorded identities still hold and nothing new was proven.',
  updated:
    'Every locked file was re-checked. Newly proven publisher identities were written to the lockfiles below; no recorded identity was dropped or changed. Review and merge.',
  'needs-human':
    'Every locked file was re-checked, and some results need a decision: a recorded identity disappeared or changed, an attestation did not verify, or a package has files without provenance beside attested ones. Recorded identities were kept as they were. Investigate each finding below before merging anything that installs these packages.',
  failed:
    'The run could not complete (see the errors below); lockfiles that could not be fully checked were left untouched. Re-run the job; if it keeps failing, read the job log.',
};

export function renderRefreshSummary(result: RefreshResult, maxChars = SUMMARY_MAX_CHARS): string {
  // Fewer rows until it fits: the findings come first, the full package list last.
  for (const limit of [Infinity, 200, 50, 10, 0]) {
    const text = render(result, limit);
    if (text.length <= maxChars || limit === 0)
      return text.length <= maxChars ? text : `${text.slice(0, maxChars - 80)}\n\n… (cut at ${maxChars} characters; see the job log)\n`;
  }
  return '';
}

function render(result: RefreshResult, limit: number): string {
  const out: string[] = [`## pylock-attest refresh: ${HEADLINES[result.outcome]}`, '', EXPLANATIONS[result.outcome], ''];
  if (!result.verification) out.push('> [!WARNING]', "> Run with `--no-verify`: the identities below are the index's **unverified** claims.", '');
  out.push(...overview(result));
  out.push(...errors(result));
  out.push(...findingList('Needs a human', result, (f) => f.severity === 'error' && !f.allowed, limit));
  out.push(...findingList('Accepted with --allow-identity-change or a policy allowance (review them)', result, (f) => f.allowed === true, limit));
  out.push(...written(result, limit));
  out.push(...findingList('Warnings', result, (f) => f.severity === 'warning' && !f.allowed, limit));
  out.push(...allPackages(result, limit));
  out.push(footer(result));
  return out.join('\n') + '\n';
}

function overview(result: RefreshResult): string[] {
  const rows = ['| lockfile | packages | verified | no provenance | other | result |', '|---|--:|--:|--:|--:|---|'];
  for (const lock of result.lockfiles) {
    const count = (s: string) => lock.packages.filter((p) => p.status === s).length;
    const other = lock.packages.length - count('verified') - count('no-provenance') - count('skipped');
    const state = lock.error ? 'not written' : lock.written ? 'updated' : lock.changed ? 'would update (dry run)' : 'unchanged';
    rows.push(`| ${cell(lock.path)} | ${lock.packages.length} | ${count('verified')} | ${count('no-provenance')} | ${other} | ${state} |`);
  }
  return [...rows, ''];
}

function errors(result: RefreshResult): string[] {
  const failed = result.lockfiles.filter((l) => l.error);
  if (failed.length === 0) return [];
  return [
    `### Errors (${failed.length})`,
    '',
    ...failed.map(
      (l) =>
        `- ${code(l.path)}: ${code(l.error!.code)} ${code(l.error!.message, 600)}${l.error!.hint === undefined ? '' : ` (what to do: ${code(l.error!.hint, 300)})`}`,
    ),
    '',
  ];
}

function findingList(title: string, result: RefreshResult, keep: (f: Finding) => boolean, limit: number): string[] {
  const policy = (result.policyFindings ?? []).filter(keep).map((f) => findingItem(result.policy ?? 'policy', f));
  const items = [
    ...result.lockfiles.flatMap((l) => {
      // The package a finding is about, by name and line: one map per lockfile, not a search per finding.
      const packages = new Map<string, PackageOutcome>();
      for (const p of l.packages) if (!packages.has(`${p.name}\0${p.line}`)) packages.set(`${p.name}\0${p.line}`, p);
      return l.findings.filter(keep).map((f) => findingItem(l.path, f, packages.get(`${f.package}\0${f.line}`)));
    }),
    ...policy,
  ];
  if (items.length === 0) return [];
  return [`### ${title} (${items.length})`, '', ...capped(items, limit), ''];
}

/** `pkg`: the package the finding is about, whose outcome says which keys of what the index proves are only its claim. */
function findingItem(path: string, f: Finding, pkg?: PackageOutcome): string {
  const what = f.subkind ? `${f.category}/${f.subkind}` : f.category;
  const lines = [`- **${f.severity}** ${code(what)}: ${code(label(f.package, f.version))} in ${code(path)} line ${f.line}`];
  if (f.old !== undefined || f.new !== undefined) {
    const proven =
      f.new === undefined || f.new.length === 0
        ? '_none_'
        : f.new.map((i) => code(pkg === undefined ? describeIdentity(i) : describeProven([i], pkg), 300)).join(', ');
    lines.push(`  - recorded: ${identities(f.old ?? [])}`, `  - the index now proves: ${proven}`);
  } else {
    lines.push(`  - ${code(f.message, 600)}`);
  }
  if (f.allowance)
    lines.push(`  - allowed by ${code(`${f.allowance.source}:${f.allowance.line}`)} until ${code(f.allowance.expires)}: ${code(f.allowance.reason, 300)}`);
  lines.push(`  - how to respond: ${code(`pylock-attest explain ${f.category}`)}`);
  return lines.join('\n');
}

function written(result: RefreshResult, limit: number): string[] {
  const rows = result.lockfiles.flatMap((l) =>
    l.changed
      ? l.packages
          .filter(isWrite)
          .map((p) => `| ${cell(l.path)} | ${cell(label(p.name, p.version))} | ${p.action} | ${p.action === 'removed' ? '_none_' : claims(p)} |`)
      : [],
  );
  if (rows.length === 0) return [];
  const title = result.lockfiles.some((l) => l.written) ? 'Identities written' : 'Identities that would be written (dry run)';
  return [`### ${title} (${rows.length})`, '', '| lockfile | package | change | identities |', '|---|---|---|---|', ...capped(rows, limit), ''];
}

function isWrite(p: PackageOutcome): boolean {
  return p.action === 'added' || p.action === 'updated' || p.action === 'removed';
}

function allPackages(result: RefreshResult, limit: number): string[] {
  const rows = result.lockfiles.flatMap((l) =>
    l.packages.map((p) => `| ${cell(l.path)} | ${cell(label(p.name, p.version))} | ${statusCell(p)} | ${identities(inLockfile(p, l.changed), true)} |`),
  );
  if (rows.length === 0 || limit === 0) return [];
  return [
    '<details><summary>Every package (' + rows.length + ')</summary>',
    '',
    '| lockfile | package | status | identities in the lockfile |',
    '|---|---|---|---|',
    ...capped(rows, limit),
    '',
    '</details>',
    '',
  ];
}

function statusCell(p: PackageOutcome): string {
  if (p.status === 'skipped') return `skipped (${SKIP_REASONS[p.skip ?? 'no-files']})`;
  return p.action === 'kept' ? `${p.status}; recorded identity kept (see above)` : p.status;
}

/** What the lockfile holds for this package after the run: a kept identity is the recorded one, not the new claim. */
function inLockfile(p: PackageOutcome, written: boolean): readonly Identity[] {
  if (written && (p.action === 'added' || p.action === 'updated')) return p.identities;
  if (written && p.action === 'removed') return [];
  return p.recorded ?? [];
}

function footer(result: RefreshResult): string {
  const trust = result.trustRoot !== undefined ? ` · trust root: ${code(result.trustRoot)}` : '';
  return `<sub>pylock-attest ${VERSION} · ${result.requests} requests${trust} · exit ${result.exitCode} (${result.outcome})</sub>`;
}

function capped(items: string[], limit: number): string[] {
  if (items.length <= limit) return items;
  return [...items.slice(0, limit), `- … and ${items.length - limit} more (see the job log, or run with \`--format json\`)`];
}

function label(name: string, version: string | undefined): string {
  return version !== undefined ? `${name} ${version}` : name;
}

/** The identities written, each key that only the index vouches for marked (not with --no-verify, which says so on top). */
function claims(p: PackageOutcome): string {
  if (p.identities.length === 0) return '_none_';
  return p.identities.map((i) => code(describeProven([i], p), 300, true)).join(', ');
}

function identities(list: readonly Identity[], table = false): string {
  return list.length === 0 ? '_none_' : list.map((i) => code(describeIdentity(i), 300, table)).join(', ');
}

/** A code span inside a table cell. */
function cell(value: string): string {
  return code(value, 300, true);
}

/**
 * A markdown code span holding untrusted text: control characters shown
 * escaped, `|` escaped for tables, and a backtick fence longer than any run
 * inside, so nothing in the value can close the span.
 */
export function code(value: string, max = 300, table = false): string {
  let text = value.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (text.length > max) text = `${text.slice(0, max)}…`;
  // GFM splits table cells on `|` even inside code spans; `\|` is the escape there (and only there).
  if (table) text = text.replace(/\|/g, '\\|');
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') || text.startsWith(' ') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}
