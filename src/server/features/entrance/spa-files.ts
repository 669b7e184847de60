import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/**
 * Where `vite build` writes the SPA: `dist/web` under the package root, both in a checkout
 * (this file is src/server/features/entrance/) and in an installed copy (dist/server/features/entrance/).
 */
export const DEFAULT_WEB_DIR = join(fileURLToPath(new URL('../../../../', import.meta.url)), 'dist', 'web');

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json; charset=utf-8',
};
/** Hashed file names only: `name-<hash>.ext`; anything else under assets/ is the plain 404. */
const ASSET_NAME = /^[A-Za-z0-9_.-]{1,128}$/;

export interface SpaAsset {
  type: string;
  body: Buffer;
  /** Gzipped once, with the first read, for compressible types; null when not worth it. */
  gzip: Buffer | null;
}

export interface SpaFiles {
  /** index.html with its asset URLs under `/<entrance>/` and the language of the request. */
  index(entrance: string, lang: 'en' | 'ar'): string | null;
  asset(name: string): SpaAsset | undefined;
}

/**
 * The built SPA. Vite builds with a relative base (`./assets/…`), so the same build serves any
 * entrance: index.html gets the entrance written into its asset URLs here, and chunks load each other
 * relative to their own URL. index.html is read at load; each asset (1.3 MB in all, 1.7 MB with the
 * gzipped copies) is read and gzipped on its first request and kept from then on, so a panel nobody
 * has opened since it started holds none of them.
 */
export function loadSpaFiles(dir: string): SpaFiles {
  const indexPath = join(dir, 'index.html');
  const template = existsSync(indexPath) ? readFileSync(indexPath, 'utf8') : null;
  const assetsDir = join(dir, 'assets');
  const names = new Set(
    existsSync(assetsDir)
      ? readdirSync(assetsDir).filter((name) => CONTENT_TYPES[extname(name)] && ASSET_NAME.test(name))
      : [],
  );
  const loaded = new Map<string, SpaAsset>();
  const load = (name: string): SpaAsset | undefined => {
    const type = CONTENT_TYPES[extname(name)]!;
    let body: Buffer;
    try {
      body = readFileSync(join(assetsDir, name));
    } catch {
      return undefined; // gone since start-up (a build replaced it): the plain 404
    }
    const compressible = !type.startsWith('image/png') && !type.startsWith('font/');
    const asset = { type, body, gzip: compressible && body.length > 1024 ? gzipSync(body) : null };
    loaded.set(name, asset);
    return asset;
  };
  return {
    index(entrance, lang) {
      if (template === null) return null;
      // The entrance is validated as [A-Za-z0-9_-]{8,64}: safe in an attribute as it is.
      return template
        .replaceAll('"./assets/', `"/${entrance}/assets/`)
        .replace(
          /<html lang="en" dir="ltr">/,
          `<html lang="${lang}" dir="${lang === 'ar' ? 'rtl' : 'ltr'}">`,
        );
    },
    asset: (name) => loaded.get(name) ?? (names.has(name) ? load(name) : undefined),
  };
}
