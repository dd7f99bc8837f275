'use strict';
// Loads ioredis, an optional peer dependency, only when a gateway config has a `store: redis`
// rate limit. Plain CommonJS so that both the ESM and the CJS builds reach it through the
// package's "#ioredis" import and resolve ioredis from this package, synchronously.
module.exports = function loadIoredis() {
  return require('ioredis');
};
