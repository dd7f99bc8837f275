'use strict';
// Loads the native addon once. Kept as plain CommonJS so that both the ESM and the CJS builds
// reach it through the package's "#native" import, at a path that does not depend on the build.
// It only reports what happened (and the package version the addon must match); the policy
// (handshake, fallback or throw) lives in src/implementation.ts.
let binding = null;
let loadError = null;
const requested = process.env.SWITCHYARD_IMPLEMENTATION;
const packageVersion = require('./package.json').version;
if (requested !== 'fallback') {
  try {
    binding = require('./switchyard.node');
  } catch (error) {
    loadError = error;
  }
}
module.exports = { binding, loadError, requested, packageVersion };
