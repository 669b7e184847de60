import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** One chunk of Vite's build manifest (`build.manifest` in vite.config.ts). */
interface ManifestChunk {
  file: string;
  src?: string;
  isEntry?: boolean;
  isDynamicEntry?: boolean;
}

export interface LazyPages {
  /** Page modules (src/web paths) that each load as their own chunk, outside the login's files. */
  lazy: string[];
  /** Page modules that are not: inlined into another chunk, or in what the login page loads. */
  eager: { page: string; why: string }[];
}

/**
 * Every page past the login must be a lazy chunk: the login page downloads only its entry and the
 * modules it preloads (`loginFiles`, from index.html), and none of those may hold another page.
 * The pages are the SPA's `*Page.tsx` files other than the login's, and the shell and the forced
 * password change, which App.tsx loads only once someone has logged in.
 */
export function lazyPages(webSrc: string, dist: string, loginFiles: readonly string[]): LazyPages {
  const manifest = JSON.parse(readFileSync(join(dist, '.vite', 'manifest.json'), 'utf8')) as Record<
    string,
    ManifestChunk
  >;
  const pages = (readdirSync(webSrc, { recursive: true }) as string[])
    .map((path) => path.split('\\').join('/'))
    .filter(
      (path) =>
        (/(^|\/)[A-Z]\w*Page\.tsx$/.test(path) && !path.endsWith('/LoginPage.tsx')) ||
        path === 'app/Shell.tsx' ||
        path === 'features/login/ForcedPasswordChange.tsx',
    )
    .sort();
  const downloaded = new Set(loginFiles.map((file) => relative(dist, join(dist, file))));
  const result: LazyPages = { lazy: [], eager: [] };
  for (const page of pages) {
    const chunk = manifest[page];
    if (!chunk?.isDynamicEntry)
      result.eager.push({ page, why: 'not a chunk of its own (imported statically)' });
    else if (downloaded.has(chunk.file))
      result.eager.push({ page, why: `its chunk ${chunk.file} loads with the login page` });
    else result.lazy.push(page);
  }
  return result;
}
