/**
 * Percent-decoding as docs/router-spec.md §4 defines it: escapes are UTF-8 bytes, decoded
 * strictly (malformed escapes and invalid UTF-8 are errors, never replaced).
 * @module
 */

const utf8 = new TextDecoder('utf-8', { fatal: true });

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
        let run: string;
        if (bytes.every((b) => b < 0x80)) run = String.fromCharCode(...bytes);
        else {
          try {
            run = utf8.decode(new Uint8Array(bytes));
          } catch {
            return null;
          }
        }
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
