import { InvalidArgumentError, NativeUnavailableError } from '@switchyard/core';
import loaded from '#native';
import type { NativeBinding } from './binding.js';
import { layoutMismatch } from './layout.js';

/** Which implementation backs this package's primitives. */
export type Implementation = 'native' | 'fallback';

/**
 * The loader handshake: why the loaded addon cannot serve this package (an addon built from
 * other sources than this package's: another version, or another data layout), or `null`.
 */
function refusal(binding: unknown, packageVersion: string): string | null {
  const candidate = binding as Partial<NativeBinding>;
  if (typeof candidate.version !== 'function' || typeof candidate.layout !== 'function') {
    return 'it does not report its version and data layout (an addon older than this package)';
  }
  let version: unknown;
  let layout: Record<string, unknown>;
  try {
    version = candidate.version();
    layout = candidate.layout();
  } catch (error) {
    return `its version and layout exports failed: ${error instanceof Error ? error.message : String(error)}`;
  }
  if (version !== packageVersion) {
    return `it is version ${JSON.stringify(version)}, this package ${JSON.stringify(packageVersion)}`;
  }
  const mismatch = layoutMismatch(layout);
  return mismatch === null ? null : `its data layout differs from this package's: ${mismatch}`;
}

interface Decision {
  implementation: Implementation;
  binding: NativeBinding | null;
  loadError: unknown;
}

/** The stable `code` of the one warning emitted when the native core could not be used. */
const NATIVE_FALLBACK_WARNING = 'SWITCHYARD_NATIVE_FALLBACK';

// First line only: a require error goes on with its whole require stack.
const message = (error: unknown): string =>
  (error instanceof Error ? error.message : String(error)).split('\n', 1)[0] as string;

/**
 * Tries each candidate of native.cjs in order; the first that loads and passes the handshake
 * wins. Otherwise one error that lists every attempt and why it failed, with the first failure
 * as its cause (a missing platform package is the usual one, and the one a user can act on).
 */
function loadNative(): { binding: NativeBinding } | { error: NativeUnavailableError } {
  const { candidates, packageVersion, target } = loaded;
  const tried: string[] = [];
  let firstFailure: unknown;
  for (const candidate of candidates) {
    let binding: unknown;
    try {
      binding = candidate.load();
    } catch (error) {
      firstFailure ??= error;
      const missing = (error as { code?: unknown }).code === 'MODULE_NOT_FOUND';
      tried.push(`${candidate.label}: ${missing ? 'not installed' : 'failed to load'} (${message(error)})`);
      continue;
    }
    const why = refusal(binding, packageVersion);
    if (why === null) return { binding: binding as NativeBinding };
    const refused = new NativeUnavailableError(`${candidate.label} was built from other sources: ${why}`);
    firstFailure ??= refused;
    tried.push(`${candidate.label}: refused, ${why} (rebuild it, or reinstall @switchyard/node)`);
  }
  return {
    error: new NativeUnavailableError(
      `no usable native core for ${target} in @switchyard/node ${packageVersion}; tried ${tried.length}: ${tried.map((t, i) => `(${i + 1}) ${t}`).join('; ')}`,
      { cause: firstFailure },
    ),
  };
}

/** What a user reads once when the fallback runs without having been asked for. */
function warnFallback(error: NativeUnavailableError): void {
  process.emitWarning(
    `@switchyard/node is running the TypeScript reference (@switchyard/core), not the native core. ${error.message}. ` +
      `To get the native core, install @switchyard/node with its optional dependencies (not --omit=optional / --no-optional), ` +
      `so that npm adds ${loaded.platformPackage}; on a platform without one, build it from source and set SWITCHYARD_NATIVE_PATH to the .node file. ` +
      'Set SWITCHYARD_IMPLEMENTATION=fallback to choose the reference and silence this warning.',
    { code: NATIVE_FALLBACK_WARNING },
  );
}

function decide(): Decision {
  const { requested } = loaded;
  if (requested !== undefined && requested !== '' && requested !== 'native' && requested !== 'fallback') {
    throw new InvalidArgumentError(
      'SWITCHYARD_IMPLEMENTATION',
      `expected "native" or "fallback", got ${JSON.stringify(requested)}`,
    );
  }
  if (requested === 'fallback') return { implementation: 'fallback', binding: null, loadError: undefined };
  const native = loadNative();
  if ('binding' in native) return { implementation: 'native', binding: native.binding, loadError: undefined };
  if (requested === 'native') {
    throw new NativeUnavailableError(
      `SWITCHYARD_IMPLEMENTATION=native but the native addon could not be used: ${native.error.message}`,
      { cause: native.error.cause },
    );
  }
  warnFallback(native.error);
  return { implementation: 'fallback', binding: null, loadError: native.error };
}

const decided = decide();

/**
 * `'native'` when the Rust core was loaded, `'fallback'` when this package runs the
 * `@switchyard/core` reference instead (no platform package for this machine, an addon built for
 * another ABI or from other sources than this package, or `SWITCHYARD_IMPLEMENTATION=fallback`).
 * A fallback that was not asked for emits one process warning with the code
 * `SWITCHYARD_NATIVE_FALLBACK`. Set `SWITCHYARD_IMPLEMENTATION=native` to make an unusable addon
 * an error at import time instead.
 */
export const implementation: Implementation = decided.implementation;

/**
 * Why the native core is not used, when it is not: a `NativeUnavailableError` that lists every
 * place tried (`SWITCHYARD_NATIVE_PATH`, a local build, the platform package) and why each failed,
 * with the first failure as its `cause` (`undefined` when the core is used or was not tried).
 */
export const nativeLoadError: unknown = decided.loadError;

/** The loaded binding, or `null` when running the fallback. @internal */
export const nativeBinding: NativeBinding | null = decided.binding;

/**
 * The one place that chooses an implementation: the native-backed one, made by `native` over the
 * loaded binding, or else `reference` itself. Every primitive of this package is exported
 * through it.
 * @internal
 */
export function choose<T>(reference: T, native: (binding: NativeBinding) => T): T {
  return decided.binding === null ? reference : native(decided.binding);
}
