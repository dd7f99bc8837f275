// The standalone proxy with access logs (to /dev/null), metrics and traces on, against the same
// proxy with them off: requests per second as a ratio to off, the variants interleaved round by
// round in one run so that the machine's drift hits all of them alike. Traces are measured twice:
// with no tracer provider registered (what `traces: { enabled: true }` costs by itself) and with
// an OpenTelemetry SDK registered in the process (otel-sdk.mjs), recording every span.
// Issue 10's target: with logs, metrics and traces on, ≥ 0.85× the requests per second of off.
// Each round also records the CPU time each proxy process spent per request (from /proc), which
// other load on the machine moves less than requests per second; the per-round ratios to off
// (the variants of one round ran within seconds of each other) are reported beside the medians.
// `SWITCHYARD_BENCH_ONLY=observability node --expose-gc bench/run.mjs proxy` runs this part alone.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));

const OBSERVABILITY = `observability:
  access_log: { enabled: true, destination: /dev/null }
  metrics: { enabled: true }
  traces: { enabled: true }
`;

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Runs the comparison; `tools` are bench/proxy's own helpers (process start/stop, wrk, ports,
 * the Switchyard config). Returns the per-round figures, medians and ratios.
 */
export async function observabilityOverhead({ tmp, upstreamPorts, path, rounds, seconds, tools }) {
  const { freePort, startProcess, stop, wrk, switchyardConfig, bin, cpuTicks, tickUs, warmUp } = tools;
  const variants = [
    { name: 'off', observability: false, sdk: false },
    { name: 'logs+metrics+traces (no tracer provider)', observability: true, sdk: false },
    { name: 'logs+metrics+traces (OTel SDK recording)', observability: true, sdk: true },
  ];
  const running = [];
  try {
    for (const [i, v] of variants.entries()) {
      const port = await freePort();
      const adminPort = await freePort();
      const file = join(tmp, `observe-${i}.yaml`);
      let config = switchyardConfig(port, upstreamPorts);
      if (v.observability) config += `admin: { host: 127.0.0.1, port: ${adminPort} }\n${OBSERVABILITY}`;
      writeFileSync(file, config);
      const args = v.sdk ? ['--import', join(here, 'otel-sdk.mjs')] : [];
      const p = await startProcess(process.execPath, [...args, bin, 'serve', file], /listening on/);
      running.push(p.child);
      v.url = `http://127.0.0.1:${port}${path}`;
      v.metrics = v.observability ? `http://127.0.0.1:${adminPort}/metrics` : undefined;
      v.pid = p.child.pid;
      v.rps = [];
      v.cpu = [];
      warmUp(v.url); // as the contenders are: until the JIT has settled
    }
    for (let r = 0; r < rounds; r++) {
      // Each round starts at a different variant, so that none always runs first.
      for (const v of variants.map((_, i) => variants[(i + r) % variants.length])) {
        const before = cpuTicks(v.pid);
        const result = wrk(v.url, seconds);
        const ticks = cpuTicks(v.pid) - before;
        if (result.non2xx > 0 || result.socketErrors) throw new Error(`${v.name}: ${JSON.stringify(result)}`);
        v.rps.push(result.requestsPerSec);
        v.cpu.push(result.requests > 0 && Number.isFinite(ticks) ? (ticks * tickUs) / result.requests : Number.NaN);
      }
    }
    // The metrics counted what wrk sent: the variants really observed the traffic.
    const counted = {};
    for (const v of variants) {
      if (!v.metrics) continue;
      const text = await (await fetch(v.metrics)).text();
      counted[v.name] = text
        .split('\n')
        .filter((l) => l.startsWith('switchyard_http_requests_total{'))
        .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
    }
    const off = median(variants[0].rps);
    const offCpu = median(variants[0].cpu);
    const out = { rounds, secondsPerRound: seconds, variants: {}, requestsCountedByMetrics: counted };
    const fixed = (x, digits) => (Number.isFinite(x) ? Number(x.toFixed(digits)) : null);
    for (const v of variants) {
      const m = median(v.rps);
      const cpu = median(v.cpu);
      out.variants[v.name] = {
        requestsPerSec: v.rps,
        median: m,
        ratioToOff: Number((m / off).toFixed(3)),
        medianRoundRatioToOff: fixed(median(v.rps.map((x, i) => x / variants[0].rps[i])), 3),
        cpuUsPerRequest: v.cpu.map((x) => fixed(x, 1)),
        medianCpuUsPerRequest: fixed(cpu, 1),
        cpuUsAddedOverOff: fixed(cpu - offCpu, 1),
      };
    }
    return out;
  } finally {
    for (const c of running) await stop(c);
  }
}
