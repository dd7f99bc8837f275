#!/usr/bin/env node
// Builds the docs site into docs/site/ (or --out DIR): every guide in docs/ and the README as
// HTML pages, the benchmark page with SVG charts generated from bench/results/*.json, and the
// typedoc API reference (skipped with --no-api). Then checks that every relative link in the
// site resolves, and exits 1 listing those that do not. `npm run docs` runs it; so does the
// docs-site test under `npm test`.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, normalize, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Marked } from 'marked';
import { chartsOf } from './docs-site/charts.mjs';
import { brokenLinks } from './docs-site/links.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const at = process.argv.indexOf('--out');
const out = at === -1 ? join(root, 'docs/site') : resolve(process.argv[at + 1]);
const withApi = !process.argv.includes('--no-api');

/** Guides in reading order; any other docs/*.md follows under "More". */
const ORDER = [
  ['docs/getting-started.md', 'Getting started', 'Start'],
  ['README.md', 'Overview', 'Start'],
  ['docs/router-spec.md', 'Router', 'Primitives'],
  ['docs/ratelimit.md', 'Rate limiting', 'Primitives'],
  ['docs/hashing.md', 'Consistent hashing', 'Primitives'],
  ['docs/gateway.md', 'Gateway and proxy', 'Gateway'],
  ['docs/gateway-config.md', 'gateway.yaml reference', 'Gateway'],
  ['docs/adapters.md', 'Express and Fastify', 'Gateway'],
  ['docs/observability.md', 'Observability', 'Gateway'],
  ['docs/security.md', 'Security model', 'Gateway'],
  ['docs/architecture.md', 'Architecture', 'Internals'],
  ['docs/benchmarks.md', 'Benchmarks (text)', 'Internals'],
];
const known = new Set(ORDER.map(([file]) => file));
const extra = readdirSync(join(root, 'docs'))
  .filter((f) => f.endsWith('.md') && !known.has(`docs/${f}`))
  .sort()
  .map((f) => [`docs/${f}`, firstHeading(readFileSync(join(root, 'docs', f), 'utf8')) ?? f, 'More']);
const pages = [...ORDER, ...extra]
  .filter(([file]) => existsSync(join(root, file)))
  .map(([file, title, group]) => ({
    file,
    title,
    group,
    out: file === 'docs/getting-started.md' ? 'index.html' : `${basename(file, '.md').toLowerCase()}.html`,
  }));
const pageOf = new Map(pages.map((p) => [p.file, p]));

function firstHeading(text) {
  return /^#\s+(.+)$/m.exec(text)?.[1]?.trim();
}

const slug = (text) =>
  text
    .toLowerCase()
    .replace(/<[^>]+>/g, '')
    .replace(/[^\p{L}\p{N}\s-]/gu, '')
    .trim()
    .replace(/\s/g, '-');

/** A link in `file` (repo-relative) as the site spells it: pages to pages, other repo files to text. */
function siteLink(href, file) {
  if (/^[a-z][a-z0-9+.-]*:/i.test(href) || href.startsWith('#') || href.startsWith('//')) return href;
  const [path, fragment] = href.split('#');
  const target = normalize(join(dirname(file), path)).replace(/\\/g, '/');
  const page = pageOf.get(target);
  if (page) return `${page.out}${fragment ? `#${fragment}` : ''}`;
  if (target === 'docs/api' || target.startsWith('docs/api/')) return withApi ? 'api/index.html' : `repo:${target}`;
  return `repo:${target}`;
}

function render(page) {
  const marked = new Marked({
    gfm: true,
    walkTokens(token) {
      if (token.type === 'link' || token.type === 'image') token.href = siteLink(token.href, page.file);
    },
    renderer: {
      heading({ tokens, depth }) {
        const html = this.parser.parseInline(tokens);
        return `<h${depth} id="${slug(html)}">${html}</h${depth}>\n`;
      },
    },
  });
  const html = marked.parse(readFileSync(join(root, page.file), 'utf8'));
  // Links to files that are not pages (source, examples): named, with their repository path.
  return html.replace(
    /<a href="repo:([^"]*)"[^>]*>(.*?)<\/a>/g,
    (_, path, text) => `<span class="repo-path" title="in the repository: ${path}">${text}</span>`,
  );
}

function layout(title, body, current) {
  const groups = [...new Set(pages.map((p) => p.group))];
  const nav = groups
    .map((group) => {
      const links = pages
        .filter((p) => p.group === group)
        .map((p) => `<li${p.out === current ? ' class="here"' : ''}><a href="${p.out}">${p.title}</a></li>`)
        .join('');
      return `<h4>${group}</h4><ul>${links}</ul>`;
    })
    .join('');
  const reference = `<h4>Reference</h4><ul><li${current === 'benchmarks-charts.html' ? ' class="here"' : ''}><a href="benchmarks-charts.html">Benchmark charts</a></li>${withApi ? '<li><a href="api/index.html">API reference</a></li>' : ''}</ul>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title} · Switchyard</title><link rel="stylesheet" href="style.css"></head>
<body><nav><a class="brand" href="index.html">Switchyard</a>${nav}${reference}</nav>
<main>${body}</main></body></html>
`;
}

const STYLE = `body{margin:0;display:flex;font:15px/1.55 system-ui,sans-serif;color:#212529}
nav{width:230px;flex:none;padding:16px;background:#f8f9fa;border-right:1px solid #dee2e6;min-height:100vh}
nav .brand{font-weight:700;font-size:18px;color:#d9480f;text-decoration:none}
nav h4{margin:18px 0 4px;font-size:12px;text-transform:uppercase;color:#868e96}
nav ul{list-style:none;margin:0;padding:0}nav li.here a{font-weight:600}
main{max-width:900px;padding:8px 32px 48px;overflow-x:auto}
pre{background:#f1f3f5;padding:12px;overflow-x:auto}code{font-size:13px}
table{border-collapse:collapse}td,th{border:1px solid #dee2e6;padding:4px 8px;vertical-align:top}
.repo-path{font-family:monospace;font-size:13px}figure{margin:24px 0}figcaption{font-size:12px;color:#495057}
`;

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'charts'), { recursive: true });
mkdirSync(join(out, 'bench'), { recursive: true });
writeFileSync(join(out, 'style.css'), STYLE);
for (const page of pages) writeFileSync(join(out, page.out), layout(page.title, render(page), page.out));

// The benchmark page: one chart per comparison, each with its machine, date and command.
const resultsDir = join(root, 'bench/results');
const figures = [];
for (const file of readdirSync(resultsDir)
  .filter((f) => f.endsWith('.json'))
  .sort()) {
  const name = basename(file, '.json');
  const results = JSON.parse(readFileSync(join(resultsDir, file), 'utf8'));
  copyFileSync(join(resultsDir, file), join(out, 'bench', file));
  const charts = chartsOf(name, results);
  for (const chart of charts) {
    writeFileSync(join(out, 'charts', `${chart.id}.svg`), chart.svg);
    figures.push(
      `<figure><img src="charts/${chart.id}.svg" alt="${chart.title}" width="790"><figcaption>${chart.machine}. Reproduce: <code>${chart.command}</code>. Data: <a href="bench/${file}">${file}</a>.</figcaption></figure>`,
    );
  }
  if (charts.length === 0) figures.push(`<p>Results without a chart: <a href="bench/${file}">${file}</a>.</p>`);
}
const benchBody = `<h1>Benchmark charts</h1>
<p>Generated from the committed <code>bench/results/*.json</code> by <code>npm run docs</code>; every figure comes from one <code>npm run bench</code> run on the machine named under it. Native and reference are Switchyard (orange); the others are the libraries and servers users would pick instead (grey). The text version with the ratios and the targets is <a href="benchmarks.html">Benchmarks (text)</a>.</p>
${figures.join('\n')}`;
writeFileSync(join(out, 'benchmarks-charts.html'), layout('Benchmark charts', benchBody, 'benchmarks-charts.html'));

if (withApi) {
  const typedoc = spawnSync(
    process.execPath,
    [join(root, 'scripts/pnpm.mjs'), 'exec', 'typedoc', '--out', relative(root, join(out, 'api'))],
    { cwd: root, encoding: 'utf8' },
  );
  if (typedoc.status !== 0) {
    console.error(typedoc.stdout, typedoc.stderr);
    console.error('docs site: typedoc failed');
    process.exit(1);
  }
}

const broken = brokenLinks(out);
for (const { page, link } of broken) console.error(`docs site: broken link in ${page}: ${link}`);
console.log(
  `docs site: ${pages.length} pages, ${figures.length} benchmark figures${withApi ? ', API reference' : ''} in ${relative(process.cwd(), out) || '.'}; ${broken.length} broken links`,
);
process.exit(broken.length === 0 ? 0 : 1);
