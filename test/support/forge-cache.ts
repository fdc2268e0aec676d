/**
 * Forging cache records the way an attacker who can write the cache
 * directory but not read the key (kept in the state dir) would: the best
 * such a writer can do, for the tests that show it is refused.
 */
import { createHash, randomBytes } from 'node:crypto';
import { appendFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** What an attacker without the key can do best: a well-formed block, the right sha256, a MAC made with some other key. */
export function spliceRecord(dir: string, segment: string, key: string, payload: Buffer): void {
  const log = join(dir, `${segment}.log`);
  const offset = statSync(log).size;
  appendFileSync(log, payload);
  const body = `${key} ${Date.now() + 1000} ${offset} ${payload.length}\n`;
  const sha256 = createHash('sha256').update(payload).digest('hex');
  const header = `#${randomBytes(32).toString('hex')} ${body.length} ${offset} ${offset + payload.length} ${sha256}`;
  appendFileSync(join(dir, `${segment}.idx`), `${header}\n${body}`);
}
