// The docs site builds (guides, benchmark charts, API reference) and every relative link in it
// resolves: `npm run docs` output, checked on every `npm test`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { brokenLinks } from '../../scripts/docs-site/links.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-docs-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('the docs site', () => {
  it('builds every guide, the charts and the API reference, with no broken relative link', () => {
    const out = join(tempDir(), 'site');
    const run = spawnSync(process.execPath, [join(root, 'scripts/build-docs-site.mjs'), '--out', out], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toMatch(/; 0 broken links/);
    for (const page of ['index.html', 'gateway-config.html', 'router-spec.html', 'benchmarks-charts.html']) {
      expect(existsSync(join(out, page)), page).toBe(true);
    }
    expect(existsSync(join(out, 'api/index.html'))).toBe(true);
    // The getting-started page is the one `npm start` matches.
    expect(readFileSync(join(out, 'index.html'), 'utf8')).toContain('npm start');
    const charts = readdirSync(join(out, 'charts'));
    expect(charts.length).toBeGreaterThanOrEqual(4);
    for (const chart of charts) {
      const svg = readFileSync(join(out, 'charts', chart), 'utf8');
      expect(svg.startsWith('<svg')).toBe(true);
      expect(svg).toMatch(/cores, linux-x64, Node v\d+/); // the machine is named on the chart
    }
    const page = readFileSync(join(out, 'benchmarks-charts.html'), 'utf8');
    expect(page).toMatch(/Reproduce: <code>[^<]*bench[^<]*<\/code>/);
  }, 400_000);

  it('the link checker finds a link to a missing page and ignores external ones and fragments', () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'a.html'),
      '<a href="b.html#x">b</a> <a href="missing.html">m</a> <a href="https://x.invalid/">e</a> <a href="#top">t</a>',
    );
    writeFileSync(join(dir, 'b.html'), '<img src="img/none.svg">');
    expect(brokenLinks(dir)).toEqual([
      { page: 'a.html', link: 'missing.html' },
      { page: 'b.html', link: 'img/none.svg' },
    ]);
  });
});
