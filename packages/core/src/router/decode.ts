/**
 * Percent-decoding as docs/router-spec.md §4 defines it: escapes are UTF-8 bytes, decoded
 * strictly (malformed escapes and invalid UTF-8 are errors, never replaced).
 * @module
 */

/**
 * Strict UTF-8 decoding of `bytes` (what Rust's `str::from_utf8` accepts: no overlong forms, no
 * surrogates, nothing above U+10FFFF, no truncated sequence); null when invalid. Written out
 * rather than using `TextDecoder`, so the reference needs no platform API.
 */
export function decodeUtf8(bytes: readonly number[]): string | null {
  let out = '';
  for (let i = 0; i < bytes.length; ) {
    const b0 = bytes[i] as number;
    if (b0 < 0x80) {
      out += String.fromCharCode(b0);
      i++;
      continue;
    }
    const length = b0 >= 0xc2 && b0 <= 0xdf ? 2 : b0 >= 0xe0 && b0 <= 0xef ? 3 : b0 >= 0xf0 && b0 <= 0xf4 ? 4 : 0;
    if (length === 0 || i + length > bytes.length) return null;
    let cp = b0 & (0xff >> (length + 1));
    for (let k = 1; k < length; k++) {
      const b = bytes[i + k] as number;
      if ((b & 0xc0) !== 0x80) return null;
      cp = (cp << 6) | (b & 0x3f);
    }
    const min = length === 2 ? 0x80 : length === 3 ? 0x800 : 0x10000;
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return null;
    out += String.fromCodePoint(cp);
    i += length;
  }
  return out;
}

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

/** What {@link decodePercent} found. */
export interface Decoded {
  readonly value: string;
  /** Whether an encoded slash (`%2F`, `%2f`) was present. */
  readonly slash: boolean;
}

/**
 * Decodes every percent-escape of `text` (and `+` as a space when `plus`); `%2F` becomes `/`
 * unless `keepSlash`, which leaves those three characters as received. Returns null for a
 * malformed escape or bytes that are not UTF-8.
 */
export function decodePercent(text: string, plus: boolean, keepSlash = false): Decoded | null {
  if (!text.includes('%') && !(plus && text.includes('+'))) return { value: text, slash: false };
  let out = '';
  let slash = false;
  let i = 0;
  const bytes: number[] = [];
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x25 /* % */) {
      bytes.length = 0;
      // A run of escapes is one byte string: a UTF-8 sequence may span several escapes.
      while (text.charCodeAt(i) === 0x25) {
        const hi = hexValue(text.charCodeAt(i + 1));
        const lo = hexValue(text.charCodeAt(i + 2));
        if (hi < 0 || lo < 0) return null;
        const byte = hi * 16 + lo;
        if (byte === 0x2f) {
          slash = true;
          if (keepSlash) break;
        }
        bytes.push(byte);
        i += 3;
      }
      if (bytes.length > 0) {
        const run = decodeUtf8(bytes);
        if (run === null) return null;
        out += run;
      }
      if (keepSlash && text.charCodeAt(i) === 0x25 && hexValue(text.charCodeAt(i + 1)) === 2) {
        const lo = text.charCodeAt(i + 2);
        if (lo === 0x46 || lo === 0x66) {
          out += text.slice(i, i + 3);
          i += 3;
        }
      }
    } else if (plus && c === 0x2b /* + */) {
      out += ' ';
      i++;
    } else {
      const next = text.indexOf('%', i);
      const end = next < 0 ? text.length : next;
      const chunk = text.slice(i, end);
      out += plus ? chunk.replaceAll('+', ' ') : chunk;
      i = end;
    }
  }
  return { value: out, slash };
}

/** UTF-8 length of a well-formed string, without encoding it. */
export function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) {
      if (c < 0x800) n += 1;
      else if (c >= 0xd800 && c <= 0xdbff) {
        n += 2; // a surrogate pair: 4 bytes for 2 units
        i++;
      } else n += 2;
    }
  }
  return n;
}
