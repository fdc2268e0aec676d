/**
 * Run in a fresh process: `node --import ./module-trace.ts import-probe.ts [specifier]`,
 * from the project root (so `import('pylock-attest')`, the default, resolves
 * to this package through its own `exports`). It watches everything a module could
 * do on import — open sockets, look up names, touch files, add globals,
 * listeners, timers, prototype properties — then imports the library and
 * prints, as JSON, every difference it saw plus the names it exports.
 *
 * Plain node (type stripping): erasable TypeScript only.
 */
import dns from 'node:dns';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { syncBuiltinESMExports } from 'node:module';
import net from 'node:net';

const calls: string[] = [];

function watch(target: Record<string, unknown>, names: string[], label: string): void {
  for (const name of names) {
    const original = target[name];
    if (typeof original !== 'function') continue;
    target[name] = function (this: unknown, ...args: unknown[]) {
      calls.push(`${label}.${name}(${typeof args[0] === 'string' ? args[0] : ''})`);
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    };
  }
}

const FS_WRITES = [
  'writeFile',
  'writeFileSync',
  'appendFile',
  'appendFileSync',
  'mkdir',
  'mkdirSync',
  'mkdtemp',
  'mkdtempSync',
  'rename',
  'renameSync',
  'rm',
  'rmSync',
  'unlink',
  'unlinkSync',
  'createWriteStream',
  'copyFile',
  'copyFileSync',
  'symlink',
  'symlinkSync',
  'watch',
  'watchFile',
];
watch(fs as unknown as Record<string, unknown>, FS_WRITES, 'fs');
watch(fs.promises as unknown as Record<string, unknown>, FS_WRITES, 'fs.promises');
watch(net.Socket.prototype as unknown as Record<string, unknown>, ['connect'], 'net.Socket');
watch(net as unknown as Record<string, unknown>, ['connect', 'createConnection', 'createServer'], 'net');
watch(dns as unknown as Record<string, unknown>, ['lookup', 'resolve', 'resolve4', 'resolve6'], 'dns');
watch(dns.promises as unknown as Record<string, unknown>, ['lookup', 'resolve'], 'dns.promises');
watch(http as unknown as Record<string, unknown>, ['request', 'get', 'createServer'], 'http');
watch(https as unknown as Record<string, unknown>, ['request', 'get', 'createServer'], 'https');
watch(globalThis as unknown as Record<string, unknown>, ['fetch', 'setInterval', 'setTimeout', 'queueMicrotask'], 'globalThis');
syncBuiltinESMExports();

const EVENTS = [
  'exit',
  'beforeExit',
  'SIGINT',
  'SIGTERM',
  'SIGHUP',
  'SIGBREAK',
  'uncaughtException',
  'unhandledRejection',
  'warning',
  'message',
  'multipleResolves',
] as const;

function snapshot() {
  return {
    globals: Object.getOwnPropertyNames(globalThis).sort(),
    listeners: Object.fromEntries(EVENTS.map((e) => [e, process.listenerCount(e)])),
    events: process.eventNames().map(String).sort(),
    resources: process.getActiveResourcesInfo().sort(),
    prototypes: [Object.prototype, Array.prototype, String.prototype, Function.prototype, Promise.prototype, Error.prototype].map((p) =>
      Object.getOwnPropertyNames(p).sort().join(','),
    ),
    env: JSON.stringify(process.env),
    cwd: process.cwd(),
    exitCode: String(process.exitCode),
    stackTraceLimit: Error.stackTraceLimit,
  };
}

const tick = () => new Promise((r) => setImmediate(r));
await tick();
const before = snapshot();
const mod: Record<string, unknown> = await import(process.argv[2] ?? 'pylock-attest');
await tick();
await tick();
const after = snapshot();

const changed = Object.keys(before).filter((k) => JSON.stringify(before[k as keyof typeof before]) !== JSON.stringify(after[k as keyof typeof after]));
const differences = Object.fromEntries(changed.map((k) => [k, { before: before[k as keyof typeof before], after: after[k as keyof typeof after] }]));
const exports = Object.fromEntries(
  Object.keys(mod)
    .sort()
    .map((k) => [k, typeof mod[k]]),
);
process.stdout.write(JSON.stringify({ calls, differences, exports }));
