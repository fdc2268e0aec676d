/**
 * Bad bodies from the index: truncated or invalid JSON, an HTML page with
 * status 200, the wrong content type, and a 50 MB body. None is retried (the
 * index answered; it answered nonsense), none is read as "no provenance", and
 * the lockfile is byte-identical. One case of each kind goes through the
 * built CLI, the variants through enrich().
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Fault } from '../support/fake-index.ts';
import { hits, startFaultLab, type FaultLab } from '../support/fault-lab.ts';
import { expectCouldNotComplete, libraryRun } from './fault-checks.ts';

const HTML = '<!DOCTYPE html><html><head><title>Login</title></head><body><h1>Please sign in</h1></body></html>';
const JSON_TYPE = { 'content-type': 'application/json' };

/** Body faults on the provenance document (Simple API path) or the project page. */
const CASES: Array<{ name: string; on: '/provenance/' | '/simple/'; fault: Fault; mode?: 'integrity'; cli?: true }> = [
  {
    name: 'truncated JSON',
    cli: true,
    on: '/provenance/',
    fault: { status: 200, headers: JSON_TYPE, body: '{"version": 1, "attestation_bundles": [{"publisher": {"kind": "Git' },
  },
  { name: 'invalid JSON', on: '/provenance/', fault: { status: 200, headers: JSON_TYPE, body: "{version: 1, 'attestation_bundles': []}" } },
  {
    name: 'JSON that is not provenance',
    on: '/provenance/',
    fault: { status: 200, headers: JSON_TYPE, body: '{"version": 2, "attestation_bundles": "none"}' },
  },
  {
    name: 'invalid UTF-8 in JSON',
    on: '/provenance/',
    fault: { status: 200, headers: JSON_TYPE, body: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]) },
  },
  {
    name: 'an HTML page with 200, as text/html',
    cli: true,
    on: '/provenance/',
    fault: { status: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, body: HTML },
  },
  { name: 'an HTML page with 200, labelled application/json', on: '/provenance/', fault: { status: 200, headers: JSON_TYPE, body: HTML } },
  {
    name: 'an HTML project page with 200 (a PEP 503-only index)',
    on: '/simple/',
    fault: { status: 200, headers: { 'content-type': 'text/html' }, body: HTML },
  },
  {
    name: 'an HTML page with 200 from the Integrity API',
    on: '/provenance/',
    mode: 'integrity',
    fault: { status: 200, headers: { 'content-type': 'text/html' }, body: HTML },
  },
  {
    name: 'the wrong content type for provenance (text/plain)',
    cli: true,
    on: '/provenance/',
    fault: { status: 200, headers: { 'content-type': 'text/plain' }, body: '{"version": 1, "attestation_bundles": []}' },
  },
  { name: 'no content type at all', on: '/provenance/', fault: { status: 200, body: '{"version": 1, "attestation_bundles": []}' } },
  {
    name: 'the wrong content type for the project page (plain JSON)',
    on: '/simple/',
    fault: { status: 200, headers: JSON_TYPE, body: '{"meta": {"api-version": "1.1"}, "name": "demo", "files": []}' },
  },
  { name: 'a 50 MB body with Content-Length', on: '/provenance/', fault: { kind: 'big', bytes: 50 * 1024 * 1024 } },
  { name: 'a 50 MB body streamed without Content-Length', cli: true, on: '/provenance/', fault: { kind: 'big', bytes: 50 * 1024 * 1024, chunked: true } },
  { name: 'a 50 MB project page', on: '/simple/', fault: { kind: 'big', bytes: 50 * 1024 * 1024, chunked: true } },
];

describe('bad bodies from the index, through the CLI', () => {
  let lab: FaultLab;
  beforeAll(async () => {
    lab = await startFaultLab();
  });
  afterAll(() => lab?.close());
  beforeEach(() => {
    lab.index.setFault(undefined);
    lab.index.requests.length = 0;
  });

  CASES.forEach(({ name, on, fault, mode, cli }, i) => {
    it(`${name}: not retried, exit 3, file untouched${cli ? '' : ' [enrich()]'}`, async () => {
      const target = mode === 'integrity' ? '/integrity/' : on;
      lab.index.setFault(({ path }) => (path.startsWith(target) ? fault : undefined));
      const path = lab.lockfile(`body-${i}.toml`);
      const args = ['--index-url', lab.index.simpleUrl, ...(mode === undefined ? [] : ['--provenance-source', mode])];
      const run = cli ? await lab.enrich(path, args) : await libraryRun(lab, path, mode === undefined ? {} : { provenanceSource: mode });
      expectCouldNotComplete(run, path, ['INDEX_BODY']);
      // The index answered: retrying would not help. One request per file (or one page for both).
      expect(hits(lab.index, target)).toBe(target === '/simple/' ? 1 : 2);
    });
  });
});
