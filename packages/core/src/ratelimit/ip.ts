import { InvalidArgumentError } from '../errors.js';

/** A parsed IP address: 4 bytes (IPv4, including IPv4-mapped IPv6) or 16 bytes (IPv6). */
export type IpBytes = Uint8Array;

function parseIpv4(s: string): IpBytes | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    if (!/^(0|[1-9]\d{0,2})$/.test(p) || Number(p) > 255) return null;
    out[i] = Number(p);
  }
  return out;
}

function parseIpv6(s: string): IpBytes | null {
  let text = s;
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  let tail: IpBytes | null = null;
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.', lastColon)) {
    tail = parseIpv4(text.slice(lastColon + 1));
    if (!tail) return null;
    text = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const groups = (h: string) => (h === '' ? [] : h.split(':'));
  const head = groups(halves[0]!);
  const rest = halves.length === 2 ? groups(halves[1]!) : [];
  const missing = 8 - head.length - rest.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...rest];
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    const g = all[i]!;
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
    const v = Number.parseInt(g, 16);
    out[2 * i] = v >> 8;
    out[2 * i + 1] = v & 255;
  }
  if (tail) out.set(tail, 12);
  return out;
}

/**
 * Parses an IPv4 or IPv6 address (brackets, an IPv6 zone and, for `[v6]:port` or `v4:port`, a
 * port are accepted and dropped). IPv4-mapped IPv6 (`::ffff:192.0.2.1`) becomes the IPv4 address,
 * so a dual-stack socket and a proxy header name the same client the same way. `null` if invalid.
 */
export function parseIp(input: string): IpBytes | null {
  let s = input.trim();
  if (s.startsWith('[')) {
    const end = s.indexOf(']');
    if (end < 0) return null;
    s = s.slice(1, end);
  } else if (/^\d+\.\d+\.\d+\.\d+:\d+$/.test(s)) {
    s = s.slice(0, s.lastIndexOf(':'));
  }
  if (!s.includes(':')) return parseIpv4(s);
  const v6 = parseIpv6(s);
  if (!v6) return null;
  const mapped = v6.subarray(0, 10).every((b) => b === 0) && v6[10] === 0xff && v6[11] === 0xff;
  return mapped ? v6.slice(12) : v6;
}

/** A parsed CIDR block. */
export interface Cidr {
  bytes: IpBytes;
  prefix: number;
}

/** Parses `"10.0.0.0/8"`, `"2001:db8::/32"` or a bare address (a /32 or /128). Throws on bad input. */
export function parseCidr(text: string, argument = 'trustedProxies'): Cidr {
  const slash = text.indexOf('/');
  const bytes = parseIp(slash < 0 ? text : text.slice(0, slash));
  const max = bytes ? bytes.length * 8 : 0;
  const prefix = slash < 0 ? max : Number(text.slice(slash + 1));
  if (!bytes || !Number.isInteger(prefix) || prefix < 0 || prefix > max) {
    throw new InvalidArgumentError(argument, `not an IP address or CIDR block: ${JSON.stringify(text)}`);
  }
  return { bytes, prefix };
}

/** Whether `ip` lies in `cidr` (same family only). */
export function inCidr(ip: IpBytes, cidr: Cidr): boolean {
  if (ip.length !== cidr.bytes.length) return false;
  const whole = cidr.prefix >> 3;
  for (let i = 0; i < whole; i++) if (ip[i] !== cidr.bytes[i]) return false;
  const bits = cidr.prefix & 7;
  if (bits === 0) return true;
  const mask = (0xff << (8 - bits)) & 0xff;
  return (ip[whole]! & mask) === (cidr.bytes[whole]! & mask);
}

/** Text of an address (IPv6 as eight 4-digit groups, so equal prefixes give equal text). */
export function formatIp(ip: IpBytes): string {
  if (ip.length === 4) return ip.join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((ip[i]! << 8) | ip[i + 1]!).toString(16).padStart(4, '0'));
  return groups.join(':');
}

/** `ip` with every bit after `prefix` cleared. */
export function maskIp(ip: IpBytes, prefix: number): IpBytes {
  const out = ip.slice();
  for (let bit = prefix; bit < out.length * 8; bit++) out[bit >> 3]! &= ~(0x80 >> (bit & 7));
  return out;
}
