// The pure steps of the pipeline on their own: version resolution, rewrites, request-target
// splitting, request-derived keys.
import { describe, expect, it } from 'vitest';
import {
  cookieValue,
  keyValue,
  normalizeVersion,
  queryValue,
  resolveVersion,
  rewritePath,
  splitTarget,
  upstreamTarget,
  versionFromPath,
} from '../../packages/adapters/src/gateway/pipeline/index.js';
import { routerHeaders } from '../../packages/adapters/src/gateway/pipeline/version.js';
import { VERSION_CONSTRAINT_HEADER } from '../../packages/adapters/src/gateway/types.js';

const versioning = { header: 'X-API-Version', default: 'v1' };

describe('version resolution: header, then path, then default', () => {
  it('takes the configured header first, over the path', () => {
    expect(resolveVersion('/api/v2/users', { 'x-api-version': 'v3' }, versioning)).toEqual({
      version: 'v3',
      source: 'header',
    });
  });
  it('reads a /v{n}/ segment when the header is absent or empty', () => {
    expect(resolveVersion('/api/v2/users', {}, versioning)).toEqual({ version: 'v2', source: 'path' });
    expect(resolveVersion('/api/v2/users', { 'x-api-version': '  ' }, versioning)).toEqual({
      version: 'v2',
      source: 'path',
    });
  });
  it('falls back to the default, and to nothing without a versioning block', () => {
    expect(resolveVersion('/api/users', {}, versioning)).toEqual({ version: 'v1', source: 'default' });
    expect(resolveVersion('/api/users', { 'x-api-version': 'v3' }, undefined)).toEqual({
      version: undefined,
      source: 'none',
    });
    expect(resolveVersion('/api/v4/users', {}, undefined)).toEqual({ version: 'v4', source: 'path' });
  });
  it('ignores a header sent several times', () => {
    expect(resolveVersion('/x', { 'x-api-version': ['v2', 'v3'] }, versioning).source).toBe('default');
  });
  it('spells 2, v2 and V2 the same; other versions are kept as written', () => {
    expect(normalizeVersion('2')).toBe('v2');
    expect(normalizeVersion(' V2 ')).toBe('v2');
    expect(normalizeVersion('v10')).toBe('v10');
    expect(normalizeVersion('2024-06-01')).toBe('2024-06-01');
    expect(resolveVersion('/x', { 'x-api-version': '2' }, versioning).version).toBe('v2');
  });
  it('finds only whole segments, the first one, the last segment included', () => {
    expect(versionFromPath('/api/v2')).toBe('v2');
    expect(versionFromPath('/v1/api/v2/')).toBe('v1');
    expect(versionFromPath('/api/v2x/users')).toBeUndefined();
    expect(versionFromPath('/api/xv2/users')).toBeUndefined();
    expect(versionFromPath('/api/v/users')).toBeUndefined();
    expect(versionFromPath('/')).toBeUndefined();
  });
  it('overwrites a client-sent version constraint header on the router view, and removes it when none', () => {
    const sent = { host: 'h', [VERSION_CONSTRAINT_HEADER]: 'v9' };
    expect(routerHeaders(sent, 'v2')[VERSION_CONSTRAINT_HEADER]).toBe('v2');
    expect(VERSION_CONSTRAINT_HEADER in routerHeaders(sent, undefined)).toBe(false);
    expect(sent[VERSION_CONSTRAINT_HEADER]).toBe('v9');
  });
});

describe('rewrites on segment boundaries', () => {
  it('strip_prefix strips /api/x and /api but not /apix', () => {
    const r = { stripPrefix: '/api' };
    expect(rewritePath('/api/x', r)).toBe('/x');
    expect(rewritePath('/api', r)).toBe('/');
    expect(rewritePath('/api/', r)).toBe('/');
    expect(rewritePath('/apix', r)).toBe('/apix');
    expect(rewritePath('/other/api/x', r)).toBe('/other/api/x');
  });
  it('a trailing slash on the prefix changes nothing; / strips nothing', () => {
    expect(rewritePath('/api/x', { stripPrefix: '/api/' })).toBe('/x');
    expect(rewritePath('/api/x', { stripPrefix: '/' })).toBe('/api/x');
  });
  it('replace_prefix puts the new prefix in its place', () => {
    const r = { replacePrefix: { from: '/api/v1', to: '/v1' } };
    expect(rewritePath('/api/v1/users', r)).toBe('/v1/users');
    expect(rewritePath('/api/v1', r)).toBe('/v1');
    expect(rewritePath('/api/v10/users', r)).toBe('/api/v10/users');
    expect(rewritePath('/api/v1/users', { replacePrefix: { from: '/api/v1', to: '/' } })).toBe('/users');
    expect(rewritePath('/api/v1', { replacePrefix: { from: '/api/v1', to: '' } })).toBe('/');
    expect(rewritePath('/a/b', { replacePrefix: { from: '/a', to: 'x' } })).toBe('/x/b');
  });
  it('no rewrite leaves the path', () => {
    expect(rewritePath('/a', undefined)).toBe('/a');
  });
  it('the upstream target joins base path, path and the query as sent', () => {
    expect(upstreamTarget('', '/x', undefined)).toBe('/x');
    expect(upstreamTarget('/base', '/x', 'a=1&b=%20')).toBe('/base/x?a=1&b=%20');
    expect(upstreamTarget('/base/', '/', '')).toBe('/base/?');
  });
});

describe('request-target forms', () => {
  it('origin-form keeps path and query', () => {
    expect(splitTarget('/a/b?x=1?y')).toEqual({ authority: undefined, pathAndQuery: '/a/b?x=1?y', query: 'x=1?y' });
    expect(splitTarget('/a')).toEqual({ authority: undefined, pathAndQuery: '/a', query: undefined });
  });
  it('absolute-form gives its authority and path; user info or another scheme is not routed', () => {
    expect(splitTarget('http://api.example.com:8080/a?q')).toEqual({
      authority: 'api.example.com:8080',
      pathAndQuery: '/a?q',
      query: 'q',
    });
    expect(splitTarget('http://user@api.example.com:8080/a?q')).toBeUndefined();
    expect(splitTarget('ftp://api.example.com/a')).toBeUndefined();
    expect(splitTarget('https://h')?.pathAndQuery).toBe('/');
    expect(splitTarget('https://h?x=1')?.pathAndQuery).toBe('/?x=1');
  });
  it('asterisk- and authority-form are not routed', () => {
    expect(splitTarget('*')).toBeUndefined();
    expect(splitTarget('example.com:443')).toBeUndefined();
    expect(splitTarget('')).toBeUndefined();
  });
});

describe('request-derived keys', () => {
  const input = (headers: Record<string, string | string[]>, query?: string) => ({
    headers,
    query,
    path: '/p/q',
    clientIp: () => '198.51.100.7',
  });
  it('header, joined when repeated; an empty value is missing', () => {
    expect(keyValue({ from: 'header', name: 'X-User-Id' }, input({ 'x-user-id': 'u1' }))).toBe('u1');
    expect(keyValue({ from: 'header', name: 'x-user-id' }, input({ 'x-user-id': ['a', 'b'] }))).toBe('a, b');
    expect(keyValue({ from: 'header', name: 'x-user-id' }, input({ 'x-user-id': '' }))).toBeUndefined();
    expect(keyValue({ from: 'header', name: 'x-user-id' }, input({ x_user_id: 'u1' }))).toBeUndefined();
  });
  it('cookie, first occurrence, quotes removed', () => {
    expect(cookieValue({ cookie: 'a=1; sid=xyz; sid=2' }, 'sid')).toBe('xyz');
    expect(cookieValue({ cookie: ['a=1', 'sid="q"'] }, 'sid')).toBe('q');
    expect(cookieValue({ cookie: 'asid=1' }, 'sid')).toBeUndefined();
    expect(cookieValue({}, 'sid')).toBeUndefined();
  });
  it('query, form-decoded, first value; a malformed escape is kept', () => {
    expect(queryValue('a=1&user=j%C3%B6+d&user=2', 'user')).toBe('jö d');
    expect(queryValue('flag&x=1', 'flag')).toBe('');
    expect(queryValue('u=%zz', 'u')).toBe('%zz');
    expect(queryValue(undefined, 'u')).toBeUndefined();
    expect(keyValue({ from: 'query', name: 'u' }, input({}, 'u=7'))).toBe('7');
  });
  it('client-ip and path', () => {
    expect(keyValue({ from: 'client-ip' }, input({}))).toBe('198.51.100.7');
    expect(keyValue({ from: 'path' }, input({}))).toBe('/p/q');
  });
});
