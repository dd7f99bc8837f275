/**
 * Text of `switchyard explain`: the decision for one request and every route's verdict.
 */
import type { GatewayExplanation } from '../gateway/pipeline/index.js';

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

/** Human-readable explanation, one fact per line. */
export function formatExplanation(x: GatewayExplanation): string {
  const lines: string[] = [];
  const r = x.request;
  lines.push(`request:   ${r.method} ${r.target}${r.host ? `  (host ${r.host})` : ''}`);
  lines.push(`path:      ${r.path ?? '(rejected before canonicalization)'}`);
  if (r.version)
    lines.push(
      r.version.source === 'none'
        ? 'version:   (none)'
        : `version:   ${r.version.version ?? '(none)'} (from ${r.version.source})`,
    );
  if (r.clientIp) lines.push(`client ip: ${r.clientIp}`);
  const d = x.decision;
  if (d.kind === 'respond') {
    lines.push(`decision:  respond ${d.status} (${d.reason})`);
    for (const [n, v] of d.headers) if (n !== 'x-request-id') lines.push(`           ${n}: ${v}`);
  } else {
    lines.push(`decision:  forward to ${d.target.id}${d.upstreamPath}`);
    lines.push(`route:     #${d.route.index} ${d.route.path}`);
    if (x.service) {
      const how =
        x.service.how === 'single'
          ? 'the route names it'
          : x.service.how === 'sticky'
            ? `split, sticky key ${JSON.stringify(x.service.key)}`
            : 'split, drawn at random (no sticky key)';
      lines.push(`service:   ${x.service.service} (${how})`);
    }
    if (x.target) {
      const t = x.target;
      const detail =
        t.strategy === 'consistent-hash'
          ? t.fallback
            ? 'consistent-hash, key missing: weighted random'
            : `consistent-hash on ${t.key}`
          : t.strategy === 'least-requests'
            ? `least-requests, ${t.inFlight} in flight`
            : t.strategy;
      lines.push(`target:    ${t.target.id} (${detail})`);
    }
    lines.push(
      `timeouts:  connect ${d.timeouts.connectMs} ms, headers ${d.timeouts.headersMs} ms, request ${d.timeouts.requestMs === 0 ? 'unlimited' : `${d.timeouts.requestMs} ms`}`,
    );
    const r = d.service.resilience;
    if (r?.retries) {
      const p = r.retries;
      lines.push(
        `retries:   up to ${p.attempts} attempts (${d.route.retry ?? 'idempotent'} methods), backoff ${p.backoffMs}-${p.maxBackoffMs} ms full jitter, budget ${p.budget.capacity} + ${p.budget.refillPerSecond}/s`,
      );
    }
    if (r?.breaker) {
      const b = r.breaker;
      const rate = b.failureRate
        ? ` or ${b.failureRate.thresholdPercent}% of ${b.failureRate.minRequests}+ in ${b.failureRate.windowMs} ms`
        : '';
      lines.push(
        `breaker:   opens after ${b.consecutiveFailures} failures in a row${rate}; cooldown ${b.cooldownMs} ms, ${b.halfOpenRequests} trial(s) at a time, closes after ${b.closeAfter} successes`,
      );
    }
    if (r?.health) {
      const h = r.health;
      lines.push(
        `health:    GET ${h.path} every ${h.intervalMs} ms (timeout ${h.timeoutMs} ms; healthy after ${h.healthyThreshold}, unhealthy after ${h.unhealthyThreshold})`,
      );
    }
  }
  for (const t of x.targets ?? []) {
    const parts = [t.status.available ? 'available' : 'unavailable'];
    if (t.status.breaker !== undefined) parts.push(`breaker ${t.status.breaker}`);
    if (t.status.health !== undefined) parts.push(`health ${t.status.health}`);
    lines.push(`state:     ${t.target}: ${parts.join(', ')}`);
  }
  if (x.limits.length === 0) lines.push('limits:    none');
  for (const l of x.limits) {
    const now = l.decision
      ? `${l.decision.remaining}/${l.decision.limit} left${l.decision.allowed ? '' : `, would deny (retry in ${Math.ceil(l.decision.retryAfterMs / 1000)} s)`}`
      : 'shared (redis), not peeked';
    lines.push(
      `limit:     ${l.name}: ${l.algorithm}, store ${l.store}, key ${l.source} = ${l.key}${l.fallback ? ' (fallback to client ip)' : ''}; ${now}`,
    );
  }
  if (x.rejected) lines.push(`rejected:  ${x.rejected}`);
  lines.push('routes:');
  for (const v of x.routes) {
    const mark = v.reason === 'matched' ? '=>' : '  ';
    const index = v.route ? `#${v.route.index}` : `id ${v.id}`;
    lines.push(`  ${mark} ${pad(index, 4)} ${pad(v.path, 28)} ${pad(v.reason, 10)} ${v.detail}`);
  }
  return `${lines.join('\n')}\n`;
}
