// SVG bar charts of the committed benchmark results (bench/results/*.json), for the docs site's
// benchmark page. Each chart says what it compares, on which machine, when, and the command
// that reproduces it; values are drawn as the results file has them, nothing is recomputed.

const escapeXml = (text) =>
  String(text).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);

/**
 * A horizontal bar chart. `bars`: [{ label, value, ours }] (ours: drawn in the accent color);
 * `format` renders a value; lower or higher is better as `better` says.
 */
export function barChart({ title, subtitle, bars, unit, better, format = (v) => `${v}` }) {
  const rowHeight = 26;
  const labelWidth = 250;
  const plotWidth = 420;
  const top = 56;
  const height = top + bars.length * rowHeight + 30;
  const max = Math.max(...bars.map((b) => b.value), 1e-9);
  const rows = bars.map((bar, i) => {
    const y = top + i * rowHeight;
    const width = Math.max(1, (bar.value / max) * plotWidth);
    const color = bar.ours ? '#d9480f' : '#868e96';
    return [
      `<text x="${labelWidth - 8}" y="${y + 17}" text-anchor="end" class="label">${escapeXml(bar.label)}</text>`,
      `<rect x="${labelWidth}" y="${y + 4}" width="${width.toFixed(1)}" height="${rowHeight - 8}" fill="${color}"/>`,
      `<text x="${labelWidth + width + 6}" y="${y + 17}" class="value">${escapeXml(format(bar.value))}</text>`,
    ].join('');
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${labelWidth + plotWidth + 120} ${height}" role="img" aria-label="${escapeXml(title)}">`,
    '<style>text{font:13px system-ui,sans-serif;fill:#212529}.title{font-weight:600;font-size:15px}.sub{fill:#495057;font-size:12px}.value{font-size:12px}</style>',
    `<text x="8" y="20" class="title">${escapeXml(title)}</text>`,
    `<text x="8" y="40" class="sub">${escapeXml(subtitle)} — ${escapeXml(unit)}, ${better} is better</text>`,
    ...rows,
    '</svg>',
  ].join('\n');
}

const ns = (v) =>
  v >= 1e6 ? `${(v / 1e6).toFixed(2)} ms` : v >= 1e3 ? `${(v / 1e3).toFixed(2)} µs` : `${v.toFixed(0)} ns`;
const perSecond = (v) => `${Math.round(v).toLocaleString('en-US')} req/s`;
const isOurs = (label) => /native|reference|switchyard/.test(label);

/** The charts of one results file: [{ id, title, svg, machine, command }], or [] when unknown. */
export function chartsOf(name, results) {
  const machine = results.machine
    ? `${results.machine.cpu}, ${results.machine.cores} cores, ${results.machine.platform}, Node ${results.machine.node}, ${results.machine.date?.slice(0, 10)}`
    : 'machine not recorded';
  const command = results.command ?? `npm run bench -- ${name}`;
  const charts = [];
  const add = (id, spec) => {
    if (spec.bars.length > 0)
      charts.push({ id, title: spec.title, svg: barChart({ ...spec, subtitle: machine }), machine, command });
  };
  if (name === 'router' && results.nsPerLookup) {
    for (const workload of ['mixed', 'static', 'param']) {
      add(`router-${workload}`, {
        title: `Router: ${workload} lookups (${results.routes} routes)`,
        unit: 'ns per lookup',
        better: 'lower',
        format: ns,
        bars: Object.entries(results.nsPerLookup)
          .filter(([k]) => k.startsWith(`${workload}/`) && !k.endsWith('core-call'))
          .map(([k, v]) => ({ label: k.slice(workload.length + 1), value: v, ours: isOurs(k) })),
      });
    }
  }
  if (name === 'ratelimit') {
    for (const [id, label] of [
      ['oneKey', 'one key'],
      ['millionKeys', '1,000,000 keys'],
    ]) {
      if (!results[id]) continue;
      add(`ratelimit-${id}`, {
        title: `Rate limiter take: ${label}`,
        unit: 'ns per take',
        better: 'lower',
        format: ns,
        bars: Object.entries(results[id]).map(([k, v]) => ({ label: k, value: v.nsPerOp, ours: isOurs(k) })),
      });
    }
  }
  if (name === 'hashing' && results.pick) {
    for (const size of ['100', '1000']) {
      add(`hashing-pick-${size}`, {
        title: `Consistent hashing: pick a node of ${size}`,
        unit: 'ns per pick',
        better: 'lower',
        format: ns,
        bars: Object.entries(results.pick)
          .filter(([k]) => k.endsWith(`@${size}`))
          .map(([k, v]) => ({ label: k.replace(` @${size}`, ''), value: v.nsPerOp, ours: isOurs(k) })),
      });
    }
  }
  if (name === 'proxy' && results.results) {
    add('proxy-rps', {
      title: `Reverse proxy throughput (${results.tool ?? 'wrk'})`,
      unit: 'requests per second',
      better: 'higher',
      format: perSecond,
      bars: Object.entries(results.results)
        .filter(([, v]) => typeof v?.requestsPerSec === 'number')
        .map(([k, v]) => ({ label: k, value: v.requestsPerSec, ours: isOurs(k) })),
    });
  }
  return charts;
}
