// The boundary's constants are declared once per side (crates/switchyard-napi/src/layout.rs and
// packages/node/src/layout.ts; error codes in crates/switchyard/src/error.rs and core's errors.ts)
// and held equal here, through what the addon exports.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCodes } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { nativeBinding } from '../../packages/node/src/implementation.js';
import { LAYOUT, layoutMismatch } from '../../packages/node/src/layout.js';

const root = join(__dirname, '..', '..');

function binding() {
  if (nativeBinding === null)
    throw new Error('this test needs the native addon, which did not load (see nativeLoadError)');
  return nativeBinding;
}

describe('native boundary constants', () => {
  it('the addon exports exactly the layout constants of packages/node/src/layout.ts', () => {
    expect(binding().layout()).toEqual(LAYOUT);
    expect(layoutMismatch(binding().layout())).toBeNull();
  });

  it("the addon's error codes (crates/switchyard/src/error.rs) are core's ErrorCodes", () => {
    expect(binding().errorCodes()).toEqual({ ...ErrorCodes });
  });

  it('the crate, the addon and @switchyard/node carry one version', () => {
    const cargo = readFileSync(join(root, 'Cargo.toml'), 'utf8');
    const crateVersion = /\[workspace\.package\][^[]*?\nversion = "([^"]+)"/.exec(cargo)?.[1];
    const pkg = JSON.parse(readFileSync(join(root, 'packages', 'node', 'package.json'), 'utf8')) as { version: string };
    expect(crateVersion).toBe(pkg.version);
    expect(binding().version()).toBe(pkg.version);
  });

  it('the test build carries the test-only exports (SWITCHYARD_NATIVE_FEATURES=testing, as bootstrap builds it)', () => {
    expect(binding().features()).toContain('testing');
  });

  it('layoutMismatch names each difference: changed, missing and unknown constants', () => {
    const changed = { ...LAYOUT, routerOutputSlots: 7 };
    expect(layoutMismatch(changed)).toBe(`routerOutputSlots is 7 in the addon, ${LAYOUT.routerOutputSlots} here`);
    const { decisionFields: _, ...missing } = LAYOUT;
    expect(layoutMismatch(missing)).toBe('decisionFields is undefined in the addon, 5 here');
    expect(layoutMismatch({ ...LAYOUT, extra: 1 })).toBe('extra is unknown here');
    expect(layoutMismatch({})).toMatch(/; and \d+ more$/);
  });
});
