// The docs site's link checker: every relative href/src in every HTML file under a directory
// must name a file that exists there (fragments and queries aside).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

function htmlFiles(dir) {
  return readdirSync(dir, { recursive: true })
    .map(String)
    .filter((file) => file.endsWith('.html'))
    .map((file) => join(dir, file));
}

/** Every broken relative link under `dir`: [{ page, link }], page relative to `dir`. */
export function brokenLinks(dir) {
  const broken = [];
  for (const page of htmlFiles(dir)) {
    const html = readFileSync(page, 'utf8');
    for (const [, link] of html.matchAll(/\s(?:href|src)="([^"]*)"/g)) {
      if (link === '' || link.startsWith('#') || /^[a-z][a-z0-9+.-]*:/i.test(link) || link.startsWith('//')) continue;
      const path = decodeURIComponent(link.replace(/[#?].*$/, ''));
      if (path === '') continue;
      const target = join(dirname(page), path);
      const exists = existsSync(target) && (!statSync(target).isDirectory() || existsSync(join(target, 'index.html')));
      if (!exists) broken.push({ page: relative(dir, page), link });
    }
  }
  return broken;
}
