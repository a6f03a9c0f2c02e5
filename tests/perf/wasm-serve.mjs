// What tests/perf/wasm.mjs and wasm-profile.mjs share: a blank page on 127.0.0.1 that serves the
// wasm-bindgen output of crates/bench-wasm (PKG_DIR), opened in Debian's chromium through
// playwright-core (from tests/e2e/node_modules). `close()` ends both.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { extname, join, normalize, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { chromium } = createRequire(join(root, 'tests', 'e2e', 'package.json'))('playwright-core');

const types = { '.js': 'text/javascript', '.wasm': 'application/wasm' };

/** A browser page at the blank page, with `/kafka_bench_wasm.js` (and its wasm) served from `pkgDir`. */
export async function openBench(pkgDir) {
  const pkg = normalize(pkgDir);
  const server = createServer(async (req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>bench</title>');
      return;
    }
    const file = normalize(join(pkg, path));
    try {
      if (!file.startsWith(pkg)) throw new Error('outside');
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
      '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  await page.goto(`http://127.0.0.1:${server.address().port}/`);
  return {
    browser,
    page,
    /** Throws the page's uncaught errors, if there were any. */
    checkErrors() {
      if (errors.length) throw new Error(errors.join('\n'));
    },
    async close() {
      await browser.close();
      server.close();
    },
  };
}
