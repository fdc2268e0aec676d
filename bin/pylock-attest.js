#!/usr/bin/env node
import { main } from '../dist/cli/main.js';
import { exitOnClosedPipe, exitOnInterrupt } from '../dist/cli/signals.js';
exitOnInterrupt((code) => process.exit(code));
exitOnClosedPipe((code) => process.exit(code));
process.exitCode = await main(process.argv.slice(2), undefined, { restart: true });
