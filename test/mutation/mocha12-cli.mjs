// StrykerJS's mocha runner (9.x, the last for Node 20) requires mocha's CLI helpers by their
// old names (lib/cli/run-helpers, options, collect-files); mocha 12 ships them as .cjs. This
// hook, loaded with --import in Stryker's own process and its test runners, maps those three
// requests to the .cjs files. Nothing else is touched.
import Module from 'node:module'

const RENAMED = /[\\/]mocha[\\/]lib[\\/]cli[\\/](run-helpers|options|collect-files)$/
const resolveFilename = Module._resolveFilename

Module._resolveFilename = function (request, ...rest) {
  return resolveFilename.call(this, RENAMED.test(request) ? `${request}.cjs` : request, ...rest)
}
