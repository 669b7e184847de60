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
  /** Gzipped once at load for compressible types; null when not worth it. */
  gzip: Buffer | null;
}

export interface SpaFiles {
  /** index.html with its asset URLs under `/<entrance>/` and the language of the request. */
  index(entrance: string, lang: 'en' | 'ar'): string | null;
  asset(name: string): SpaAsset | undefined;
}

/**
 * The built SPA, read once into memory (a few hundred KB). Vite builds with a relative base
 * (`./assets/…`), so the same build serves any entrance: index.html gets the entrance written into its
 * asset URLs here, and chunks load each other relative to their own URL.
 */
export function loadSpaFiles(dir: string): SpaFiles {
  const indexPath = join(dir, 'index.html');
  const template = existsSync(indexPath) ? readFileSync(indexPath, 'utf8') : null;
  const assets = new Map<string, SpaAsset>();
  const assetsDir = join(dir, 'assets');
  if (existsSync(assetsDir)) {
    for (const name of readdirSync(assetsDir)) {
      const type = CONTENT_TYPES[extname(name)];
      if (!type || !ASSET_NAME.test(name)) continue;
      const body = readFileSync(join(assetsDir, name));
      const compressible = !type.startsWith('image/png') && !type.startsWith('font/');
      assets.set(name, { type, body, gzip: compressible && body.length > 1024 ? gzipSync(body) : null });
    }
  }
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
    asset: (name) => assets.get(name),
  };
}
