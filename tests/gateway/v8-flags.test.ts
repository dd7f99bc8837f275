// The V8 flags `switchyard serve` sets for its own process, and that a user's choice wins.
import { serveV8Flags } from '@switchyard/adapters/proxy';
import { describe, expect, it } from 'vitest';

describe('serveV8Flags', () => {
  it('turns allocation-site pretenuring off by default', () => {
    expect(serveV8Flags([], undefined)).toEqual(['--no-allocation-site-pretenuring']);
    expect(serveV8Flags(['--enable-source-maps'], '--max-old-space-size=512')).toEqual([
      '--no-allocation-site-pretenuring',
    ]);
  });

  it('leaves the setting to a user who chose it, on the command line or in NODE_OPTIONS', () => {
    expect(serveV8Flags(['--allocation-site-pretenuring'], undefined)).toEqual([]);
    expect(serveV8Flags([], '--max-old-space-size=512 --allocation_site_pretenuring')).toEqual([]);
    expect(serveV8Flags(['--no-allocation-site-pretenuring'], '')).toEqual([]);
  });

  it('is not fooled by flags that only share a prefix', () => {
    expect(serveV8Flags(['--allocation-site-pretenuring-extra'], '--trace-pretenuring')).toEqual([
      '--no-allocation-site-pretenuring',
    ]);
  });
});
