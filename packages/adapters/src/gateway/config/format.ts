/**
 * The text `switchyard check` prints: the route table, the services, the diagnostics, and
 * `file:line:col: message` lines for an invalid file.
 * @module
 */
import { ConfigError } from '@switchyard/core';
import type { CompiledGateway, CompiledRoute, GatewayDiagnostic, SourcePosition } from '../types.js';
import { formatProblem } from './load.js';
import { formatKeySource } from './text.js';

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

function upstreamOf(route: CompiledRoute): string {
  if (route.split) {
    const total = route.split.weights.reduce((a, b) => a + b, 0);
    const parts = route.split.services.map((s, i) => {
      const share = total > 0 ? (100 * route.split!.weights[i]!) / total : 0;
      return `${s} ${Number.isInteger(share) ? share : share.toFixed(1)}%`;
    });
    return `split ${parts.join(', ')}${route.sticky ? ` (sticky ${formatKeySource(route.sticky)})` : ''}`;
  }
  return route.service ?? '-';
}

function rewriteOf(route: CompiledRoute): string {
  if (!route.rewrite) return '-';
  return 'stripPrefix' in route.rewrite
    ? `strip ${route.rewrite.stripPrefix}`
    : `${route.rewrite.replacePrefix.from} -> ${route.rewrite.replacePrefix.to}`;
}

/**
 * The route table of a compiled gateway, in config order, then its services and rate limits:
 * what `switchyard check` prints when the file is valid. Deterministic text, no colors.
 */
export function formatRouteTable(compiled: CompiledGateway): string {
  const routes = table(
    ['#', 'METHODS', 'HOST', 'PATH', 'VERSION', 'UPSTREAM', 'LIMITS', 'REWRITE'],
    compiled.routes.map((r) => [
      String(r.index),
      r.methods ? r.methods.join(',') : '*',
      r.host ?? '*',
      r.path,
      r.version ?? '-',
      upstreamOf(r),
      r.limits.length > 0 ? r.limits.join(', ') : '-',
      rewriteOf(r),
    ]),
  );
  const services = table(
    ['SERVICE', 'BALANCE', 'TARGETS'],
    [...compiled.services.values()].map((s) => [
      s.name,
      s.balance.kind === 'consistent-hash'
        ? `consistent-hash ${s.balance.algorithm} by ${formatKeySource(s.balance.key)}`
        : s.balance.kind,
      s.targets.map((t) => `${t.origin}${t.basePath}${t.weight !== 1 ? ` (weight ${t.weight})` : ''}`).join(', '),
    ]),
  );
  const parts = [
    `${compiled.name}: ${countsText(compiled.routes.length, compiled.services.size)}${compiled.file ? ` (${compiled.file})` : ''}`,
    '',
    routes,
    '',
    services,
  ];
  if (compiled.limits.size > 0) {
    const limits = table(
      ['RATE LIMIT', 'RULE', 'KEY', 'STORE'],
      [...compiled.limits.values()].map((p) => [
        p.name,
        p.algorithm === 'token-bucket'
          ? `token-bucket ${p.limit} burst, full in ${p.windowMs} ms`
          : `sliding-window ${p.limit} per ${p.windowMs} ms`,
        formatKeySource(p.key),
        p.store,
      ]),
    );
    parts.push('', limits);
  }
  return `${parts.join('\n')}\n`;
}

function where(position: SourcePosition | undefined, file: string | undefined): string {
  if (position) return `${position.file}:${position.line}:${position.col}: `;
  return file ? `${file}: ` : '';
}

/**
 * Diagnostics as compiler-style lines, `file:line:col: severity: message [code]`, errors first,
 * then warnings, then notes, each group in file order; `no findings` when there are none.
 */
export function formatDiagnostics(diagnostics: readonly GatewayDiagnostic[], file?: string): string {
  if (diagnostics.length === 0) return 'no findings\n';
  const rank = { error: 0, warning: 1, info: 2 } as const;
  const sorted = [...diagnostics].sort(
    (a, b) =>
      rank[a.severity] - rank[b.severity] ||
      (a.position?.line ?? Number.MAX_SAFE_INTEGER) - (b.position?.line ?? Number.MAX_SAFE_INTEGER) ||
      (a.position?.col ?? 0) - (b.position?.col ?? 0),
  );
  const label = { error: 'error', warning: 'warning', info: 'note' } as const;
  return `${sorted.map((d) => `${where(d.position, file)}${label[d.severity]}: ${d.message} [${d.code}]`).join('\n')}\n`;
}

/**
 * An invalid config as `file:line:col: message` lines, one per problem, in file order (the lines
 * `switchyard check` prints before exiting 1). Any other error gives its message.
 */
export function formatProblems(error: unknown): string {
  if (error instanceof ConfigError) return `${error.problems.map(formatProblem).join('\n')}\n`;
  return `${error instanceof Error ? error.message : String(error)}\n`;
}

/** `3 routes, 1 service`: what a loaded config holds, as `check`, `serve` and reloads say it. */
export function countsText(routes: number, services: number): string {
  return `${routes} route${routes === 1 ? '' : 's'}, ${services} service${services === 1 ? '' : 's'}`;
}
