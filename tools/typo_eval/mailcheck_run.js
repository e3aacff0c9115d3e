#!/usr/bin/env node
// Run mailcheck.js (npm `mailcheck`, v1.1.1) with its default domain lists on one address per
// line from stdin; print JSON Lines {"input": ..., "suggestion": full suggested domain or null}.
//
// Usage: node mailcheck_run.js [NPM_PREFIX] < addresses.txt
//        node mailcheck_run.js [NPM_PREFIX] --defaults   (print mailcheck's default lists as JSON)
//   NPM_PREFIX is where `npm install --prefix NPM_PREFIX mailcheck@1.1.1` put the package
//   (default /tmp/mc); without it, `require('mailcheck')` is tried first.
'use strict';

const path = require('path');
const fs = require('fs');

function loadMailcheck(prefix) {
  const candidates = [];
  if (prefix) candidates.push(path.resolve(prefix, 'node_modules', 'mailcheck'));
  candidates.push('mailcheck', path.resolve('/tmp/mc', 'node_modules', 'mailcheck'));
  for (const c of candidates) {
    try {
      return require(c);
    } catch (e) {
      if (e.code !== 'MODULE_NOT_FOUND') throw e;
    }
  }
  throw new Error(`mailcheck not found (tried ${candidates.join(', ')}); ` +
    'install it with: npm install --prefix /tmp/mc mailcheck@1.1.1');
}

const args = process.argv.slice(2);
const Mailcheck = loadMailcheck(args.find((a) => a !== '--defaults'));
if (args.includes('--defaults')) {
  process.stdout.write(JSON.stringify({
    domains: Mailcheck.defaultDomains,
    secondLevelDomains: Mailcheck.defaultSecondLevelDomains,
    topLevelDomains: Mailcheck.defaultTopLevelDomains,
  }) + '\n');
  process.exit(0);
}
const input = fs.readFileSync(0, 'utf8');
const lines = input.split('\n');
if (lines.length && lines[lines.length - 1] === '') lines.pop();

const out = [];
for (let line of lines) {
  line = line.replace(/\r$/, '');
  // Mailcheck.run fills in the default domains, second-level and top-level lists and sift3
  // distance; it writes them into the options object, so pass a fresh one every time.
  const result = Mailcheck.run({
    email: line,
    suggested: (s) => s,
    empty: () => null,
  });
  out.push(JSON.stringify({ input: line, suggestion: result ? result.domain : null }));
}
process.stdout.write(out.join('\n') + (out.length ? '\n' : ''));
