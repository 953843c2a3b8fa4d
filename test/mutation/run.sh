#!/usr/bin/env bash
# npm run test:mutation [-- Stryker options]: StrykerJS over the rule services (stryker.config.mjs),
# then the test schemas its killed test processes left (a mutant that times out has its process
# killed before it can drop its schema) are dropped. Exits with Stryker's status.
cd "$(dirname "$0")/../.."
node --import ./test/mutation/mocha12-cli.mjs node_modules/@stryker-mutator/core/bin/stryker.js run "$@"
status=$?
npm run --silent test:drop-leftovers
exit "$status"
