import { decodePercent } from '@switchyard/core/internal';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertProperty } from '../support/fast-check.js';

const encode = (bytes: Uint8Array) => Array.from(bytes, (b) => `%${b.toString(16).padStart(2, '0')}`).join('');

describe('percent-decoding (reference)', () => {
  it('decodes exactly what a strict UTF-8 decoder accepts', () => {
    const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
    assertProperty(
      fc.property(fc.uint8Array({ maxLength: 8 }), (bytes) => {
        let expected: string | null;
        try {
          expected = strict.decode(bytes);
        } catch {
          expected = null;
        }
        const got = decodePercent(encode(bytes), false);
        // %2F decodes to "/" like any other byte; the flag only reports it.
        expect(got === null ? null : got.value).toBe(expected);
      }),
      5000,
    );
  });

  it('round-trips every well-formed string', () => {
    assertProperty(
      fc.property(fc.string({ unit: 'binary', maxLength: 12 }), (s) => {
        expect(decodePercent(encode(new TextEncoder().encode(s)), false)?.value).toBe(s);
      }),
      100,
    );
  });
});
