import { createHash } from 'node:crypto';
import { isAbsolute, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AuditResult } from '../../app/audit-result.js';
import { AUDIT_CATEGORIES, CATEGORY_SUMMARY, DEFAULT_SEVERITY, describeSet } from '../../core/findings.js';
import type { Finding, Severity } from '../../core/outcome.js';
import { VERSION } from '../../version.js';

/**
 * SARIF 2.1.0, for code-scanning dashboards. One rule per finding category
 * (a stable ruleId), one result per finding; allowed findings carry an
 * accepted external suppression with the allowance's reason.
 */
export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

export function renderAuditSarif(result: AuditResult): string {
  const log = {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'pylock-attest', version: VERSION, semanticVersion: VERSION, rules: AUDIT_CATEGORIES.map(rule) } },
        invocations: [invocation(result)],
        results: result.findings.map(sarifResult),
      },
    ],
  };
  return JSON.stringify(log, null, 2) + '\n';
}

const LEVEL: Readonly<Record<Severity, 'error' | 'warning' | 'note'>> = { error: 'error', warning: 'warning', info: 'note' };

function rule(category: (typeof AUDIT_CATEGORIES)[number]) {
  return {
    id: category,
    name: category.replace(/(^|-)(\w)/g, (_, _d: string, ch: string) => ch.toUpperCase()),
    shortDescription: { text: CATEGORY_SUMMARY[category] },
    help: {
      text: `What it means, how to investigate it and how to accept it: run \`pylock-attest explain ${category}\` (docs/audit.md, section "${category}").`,
    },
    defaultConfiguration: { level: LEVEL[DEFAULT_SEVERITY[category]] },
  };
}

function sarifResult(f: Finding) {
  const region = { startLine: Math.max(1, f.line) };
  const out: Record<string, unknown> = {
    ruleId: f.category,
    ruleIndex: AUDIT_CATEGORIES.indexOf(f.category as (typeof AUDIT_CATEGORIES)[number]),
    level: LEVEL[f.severity],
    message: { text: f.message },
    locations: [{ physicalLocation: { artifactLocation: { uri: artifactUri(f.path ?? '') }, region } }],
    partialFingerprints: { 'pylockAttestFinding/v1': fingerprint(f) },
    properties: {
      package: f.package,
      ...(f.version !== undefined ? { version: f.version } : {}),
      ...(f.subkind !== undefined ? { subkind: f.subkind } : {}),
      ...(f.old !== undefined ? { old: f.old, before: describeSet(f.old) } : {}),
      ...(f.new !== undefined ? { new: f.new, after: describeSet(f.new) } : {}),
      ...(f.file !== undefined ? { file: f.file } : {}),
    },
  };
  if (f.allowed && f.allowance)
    out['suppressions'] = [
      {
        kind: 'external',
        status: 'accepted',
        justification: `${f.allowance.reason} (until ${f.allowance.expires}, ${f.allowance.source}:${f.allowance.line})`,
      },
    ];
  return out;
}

function invocation(result: AuditResult) {
  const notifications = result.lockfiles
    .filter((l) => l.error)
    .map((l) => ({
      level: 'error',
      message: { text: l.error!.message },
      locations: [{ physicalLocation: { artifactLocation: { uri: artifactUri(l.path) } } }],
    }));
  return {
    executionSuccessful: result.exitCode === 0 || result.exitCode === 1,
    ...(notifications.length > 0 ? { toolExecutionNotifications: notifications } : {}),
  };
}

/** A relative URI reference with `/` separators, percent-encoded per segment; absolute paths become file: URLs. */
export function artifactUri(path: string): string {
  if (isAbsolute(path)) return pathToFileURL(path).href;
  return path
    .split(sep === '\\' ? /[\\/]/ : '/')
    .map(encodeURIComponent)
    .join('/');
}

/** Stable across runs for the same fact, so dashboards track one alert, not a new one per run. */
function fingerprint(f: Finding): string {
  return createHash('sha256')
    .update(JSON.stringify([f.category, f.subkind ?? '', f.package.toLowerCase(), f.old ?? null, f.new ?? null, f.file ?? '']))
    .digest('hex')
    .slice(0, 32);
}
