// docs/gateway-config.md is generated from the schema data; this fails when the committed file
// and the schema differ (regenerate with `node scripts/gen-config-docs.mjs` after a build).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DIAGNOSTIC_CODES, GATEWAY_SCHEMA, renderConfigReference } from '@switchyard/adapters/gateway';
import { describe, expect, it } from 'vitest';

const docPath = fileURLToPath(new URL('../../docs/gateway-config.md', import.meta.url));

describe('the config reference', () => {
  it('is current: docs/gateway-config.md equals what the schema renders', () => {
    const committed = readFileSync(docPath, 'utf8');
    const rendered = renderConfigReference();
    if (committed !== rendered) {
      throw new Error(
        'docs/gateway-config.md is stale: run `node scripts/bootstrap.mjs && node scripts/gen-config-docs.mjs`',
      );
    }
    expect(committed).toBe(rendered);
  });

  it('lists every key of every object, every default, and every diagnostic code', () => {
    const doc = renderConfigReference();
    const walk = (node: unknown): void => {
      if (typeof node !== 'object' || node === null) return;
      const n = node as { kind?: string; fields?: Record<string, { type: unknown; default?: unknown }> };
      if (n.kind === 'object' && n.fields) {
        for (const [key, field] of Object.entries(n.fields)) {
          expect(doc).toContain(`| \`${key}\` |`);
          if (field.default !== undefined && typeof field.default !== 'object') {
            expect(doc).toContain(`\`${String(field.default)}\``);
          }
          walk(field.type);
        }
      }
      for (const value of Object.values(node)) if (typeof value === 'object') walk(value);
    };
    walk(GATEWAY_SCHEMA);
    for (const code of Object.keys(DIAGNOSTIC_CODES)) expect(doc).toContain(`\`${code}\``);
    // The keys DESIGN.md's example uses, each with a row.
    for (const key of [
      'escaped_slashes',
      'merge_slashes',
      'dot_segments',
      'refill_per_second',
      'on_error',
      'strip_prefix',
    ]) {
      expect(doc).toContain(`| \`${key}\` |`);
    }
  });
});
