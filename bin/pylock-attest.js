#!/usr/bin/env node
import { main } from '../dist/cli/main.js';
import { exitOnInterrupt } from '../dist/cli/signals.js';
exitOnInterrupt((code) => process.exit(code));
process.exitCode = await main(process.argv.slice(2), undefined, { restart: true });
