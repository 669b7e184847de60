/**
 * Issue 4's web budgets:
 *   size   JavaScript the login page loads (its entry and every module it preloads), gzipped
 *          target ≤ 200 KB; the reference is a bare React app (createRoot + one input) built by the
 *          same Vite in the same run
 *   TTI    navigation start → the first frame with the username field rendered by React, in headless
 *          Chromium over loopback, cold cache, median of 7          target ≤ 1 s; the reference is a
 *          static page with one input served over loopback in the same run
 *   lazy   every page other than the login (and the shell) is a chunk of its own that the login
 *          page does not download                                   target: all of them
 * Usage: npx tsx scripts/bench/web.ts
 * Bounded: Diwan listens on 127.0.0.1 with a throwaway data dir; everything it starts is stopped.
 */
import { chromium, type Browser } from '@playwright/test';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'vite';

// Runs in the page (Playwright serializes it): the browser's document, not this process's.
declare global {
  var document: { querySelector(selector: string): unknown };
}
import { CHROMIUM } from '../../playwright.config.js';
import { lazyPages } from './lazy-pages.js';
import { freePort, median, stop, verdict } from './support.js';

const SIZE_BUDGET = 200 * 1024;
const TTI_BUDGET_MS = 1000;
const RUNS = 7;
const root = fileURLToPath(new URL('../../', import.meta.url));

/** The JavaScript an index.html loads before anything else: its entry and its modulepreloads. */
function loginJsFiles(dir: string): string[] {
  const html = readFileSync(join(dir, 'index.html'), 'utf8');
  return [
    ...html.matchAll(/<script type="module"[^>]*src="([^"]+)"/g),
    ...html.matchAll(/<link rel="modulepreload"[^>]*href="([^"]+)"/g),
  ].map((match) => match[1]!);
}

/** Gzipped bytes of the JavaScript an index.html loads before anything else: entry + modulepreloads. */
function loginJsBytes(dir: string): { files: number; raw: number; gzip: number } {
  const urls = loginJsFiles(dir);
  let raw = 0;
  let gzip = 0;
  for (const url of urls) {
    const body = readFileSync(join(dir, url));
    raw += body.length;
    gzip += gzipSync(body).length;
  }
  return { files: urls.length, raw, gzip };
}

/** A bare React app, built by the same Vite: what any React page costs before Diwan adds anything. */
async function referenceBuild(): Promise<string> {
  const dir = join(root, 'node_modules', '.cache', 'diwan-bench-web');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'index.html'),
    '<!doctype html><html><body><div id="root"></div><script type="module" src="./main.js"></script></body></html>',
  );
  writeFileSync(
    join(dir, 'main.js'),
    "import { createElement } from 'react';\nimport { createRoot } from 'react-dom/client';\n" +
      "createRoot(document.getElementById('root')).render(createElement('input', { 'aria-label': 'name' }));\n",
  );
  await build({
    root: dir,
    base: './',
    logLevel: 'warn',
    build: { outDir: join(dir, 'dist'), target: 'es2022' },
  });
  return join(dir, 'dist');
}

/** ms from navigation start to the first animation frame in which `selector` exists. */
async function timeToInteractive(browser: Browser, url: string, selector: string): Promise<number> {
  const context = await browser.newContext();
  const page = await context.newPage();
  // Polls on every frame from the moment the document exists; returns that frame's time.
  const ready = page.waitForFunction(
    (wanted) => globalThis.document.querySelector(wanted) && performance.now(),
    selector,
    {
      polling: 'raf',
      timeout: 10_000,
    },
  );
  await page.goto(url, { waitUntil: 'commit' });
  const handle = await ready;
  const ms = (await handle.jsonValue()) as number;
  await context.close();
  return ms;
}

console.log('building the SPA and a bare React reference …');
execFileSync('bash', ['scripts/lib/web-build.sh', '--force'], { cwd: root, stdio: 'inherit' });
const login = loginJsBytes(join(root, 'dist', 'web'));
const pages = lazyPages(
  join(root, 'src', 'web'),
  join(root, 'dist', 'web'),
  loginJsFiles(join(root, 'dist', 'web')),
);
const reference = loginJsBytes(await referenceBuild());

const dataDir = mkdtempSync(join(tmpdir(), 'diwan-bench-web-'));
const port = await freePort();
const diwan = spawn(process.execPath, ['bin/diwan.js', 'serve'], {
  cwd: root,
  env: {
    PATH: process.env.PATH,
    DIWAN_ENV: 'development',
    DIWAN_DATA_DIR: dataDir,
    DIWAN_PORT: String(port),
  },
  stdio: ['ignore', 'pipe', 'inherit'],
});
let output = '';
diwan.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
const loginUrl = await new Promise<string>((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error(`no login URL from diwan serve:\n${output}`)), 30_000);
  diwan.stdout.on('data', () => {
    const url = /Log in at\s+(http\S+)/.exec(output)?.[1];
    if (url) {
      clearTimeout(timer);
      resolve(url);
    }
  });
});
const staticPage = Buffer.from('<!doctype html><html><body><input aria-label="name"></body></html>');
const staticServer = createServer((_request, response) => {
  response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(staticPage);
}).listen(0, '127.0.0.1');
await new Promise((resolve) => staticServer.once('listening', resolve));
const staticUrl = `http://127.0.0.1:${(staticServer.address() as { port: number }).port}/`;

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});
try {
  const loginTimes: number[] = [];
  const referenceTimes: number[] = [];
  for (let run = 0; run < RUNS; run += 1) {
    // Alternating, so that anything else on the machine weighs on both alike.
    loginTimes.push(await timeToInteractive(browser, loginUrl, 'input[autocomplete="username"]'));
    referenceTimes.push(await timeToInteractive(browser, staticUrl, 'input'));
  }
  const tti = median(loginTimes);
  const ttiReference = median(referenceTimes);
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
  console.log(`
login page JavaScript (${login.files} files)       ${kb(login.gzip)} gzip (${kb(login.raw)} raw)   ${(login.gzip / reference.gzip).toFixed(2)}× bare React (${kb(reference.gzip)})   ${(login.gzip / SIZE_BUDGET).toFixed(2)} of the budget   ${verdict(login.gzip <= SIZE_BUDGET)} (≤ 200 KB)
login page to interactive (median of ${RUNS})     ${tti.toFixed(0)} ms   ${(tti / ttiReference).toFixed(2)}× a static page with one input (${ttiReference.toFixed(0)} ms)   ${(tti / TTI_BUDGET_MS).toFixed(2)} of the budget   ${verdict(tti <= TTI_BUDGET_MS)} (≤ 1 s)
  runs (ms): login ${loginTimes.map((ms) => ms.toFixed(0)).join(', ')}; static ${referenceTimes.map((ms) => ms.toFixed(0)).join(', ')}`);
  const allLazy = pages.eager.length === 0 && pages.lazy.length > 0;
  console.log(
    `pages as lazy chunks                    ${pages.lazy.length} of ${pages.lazy.length + pages.eager.length}   ${verdict(allLazy)} (all; the login page downloads none of them)`,
  );
  for (const { page, why } of pages.eager) console.log(`  ${page}: ${why}`);
  if (!allLazy) process.exitCode = 1;
} finally {
  await browser.close();
  staticServer.close();
  await stop(diwan);
  rmSync(dataDir, { recursive: true, force: true });
}
