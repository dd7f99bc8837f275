// The extra golden cases written with the Rust core (fixtures/router-native-extra.json, also read by
// crates/switchyard/tests/router_fixtures.rs), held against the reference and the native Router.
import { readFileSync } from 'node:fs';
import { Router as CoreRouter, type RequestInfo, type RouterOptions, type RouteSpec } from '@switchyard/core';
import { Router } from '@switchyard/node';
import { describe, expect, it } from 'vitest';
import { plain } from './suite.js';

interface Case {
  name: string;
  options?: RouterOptions;
  routes: RouteSpec[];
  addErrors?: Array<{ route: number; code: string; existing?: number }>;
  requests: Array<{ req: RequestInfo; route: number | null; params?: Record<string, string> }>;
}

const { cases } = JSON.parse(
  readFileSync(new URL('../../fixtures/router-native-extra.json', import.meta.url), 'utf8'),
) as { cases: Case[] };

for (const [label, RouterImpl] of [
  ['reference', CoreRouter],
  ['native', Router],
] as const) {
  describe(`extra golden cases (${label})`, () => {
    for (const c of cases) {
      it(c.name, () => {
        const router = new RouterImpl<number>(c.options);
        const errors = new Map((c.addErrors ?? []).map((e) => [e.route, e]));
        c.routes.forEach((spec, i) => {
          const expected = errors.get(i);
          let thrown: { code?: string; existingIndex?: number } | null = null;
          try {
            router.add(spec, i);
          } catch (error) {
            thrown = error as { code?: string; existingIndex?: number };
          }
          expect(thrown?.code ?? null, `route ${i}`).toBe(expected?.code ?? null);
          if (expected?.existing !== undefined) expect(thrown?.existingIndex).toBe(expected.existing);
        });
        for (const r of c.requests) {
          const got = plain(router.match(r.req));
          expect(got?.route ?? null, JSON.stringify(r.req)).toBe(r.route);
          if (r.params) expect(Object.fromEntries(got?.params ?? [])).toEqual(r.params);
        }
      });
    }
  });
}
