/** Every broken relative link under `dir`: pages relative to `dir`, links as written. */
export function brokenLinks(dir: string): { page: string; link: string }[];
