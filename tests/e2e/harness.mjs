// The page object and the plumbing every spec shares: a static server for the release build in
// dist/ (on 127.0.0.1, a free port) and Debian's chromium driven by playwright-core. `DIST=path`
// serves another build (`trunk build --release --dist path`), so two builds can be tested side by side.
import { createServer } from 'node:http';
import { readFile, mkdir } from 'node:fs/promises';
import { extname, join, normalize, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import assert from 'node:assert/strict';
import { before, after, afterEach } from 'node:test';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const dist = process.env.DIST ? normalize(process.env.DIST) : join(here, '..', '..', 'dist');
export const screenshots = join(here, 'screenshots');

const types = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.wasm': 'application/wasm',
  '.css': 'text/css',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/**
 * Reads `read()` until it equals `expected`, then asserts it (so a timeout shows the last value
 * read). For what the page draws from the simulation after a click: the snapshot that carries a
 * command's outcome is drawn on a later frame, and on a busy machine that frame can come after
 * a read made right after the click.
 */
export async function settles(read, expected, message, timeout = 10_000) {
  const end = Date.now() + timeout;
  let value = await read();
  while (!isDeepStrictEqual(value, expected) && Date.now() < end) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    value = await read();
  }
  assert.deepEqual(value, expected, message);
}

export async function serveDist() {
  const server = createServer(async (req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    const file = normalize(join(dist, path === '/' ? 'index.html' : path));
    if (!file.startsWith(dist)) {
      res.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${server.address().port}` };
}

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
}

/** What a person sees and clicks on the playground page. */
export class PlaygroundPage {
  constructor(page) {
    this.page = page;
  }

  async open(baseUrl, seed, query) {
    const errors = [];
    this.page.on('pageerror', (error) => errors.push(error));
    this.errors = errors;
    await this.page.goto(`${baseUrl}/?seed=${seed}${query ? `&${query}` : ''}`);
    await this.page.getByTestId('clock').waitFor();
  }

  clock() {
    return this.page.getByTestId('clock').textContent();
  }

  /** The clock as seconds of virtual time. */
  async seconds() {
    return Number((await this.clock()).match(/t = ([\d.]+) s/)[1]);
  }

  /**
   * Waits until the clock reads at least `ms` of virtual time: an opened file or link replays
   * in slices, so what the page shows before then is an earlier moment of the run.
   */
  async reached(ms) {
    await this.page.waitForFunction((micros) => {
      const clock = document.querySelector('[data-testid=clock]');
      return clock && Number(clock.dataset.micros) >= micros;
    }, ms * 1000);
  }

  brokers() {
    return this.page.getByTestId('broker');
  }

  broker(id) {
    return this.page.locator(`[data-broker-id="${id}"]`);
  }

  brokerStatus(id) {
    return this.broker(id).getByTestId('broker-status').textContent();
  }

  /** Waits until every broker is registered and unfenced. */
  async brokersOnline() {
    await this.page.waitForFunction(() => [...document.querySelectorAll('[data-testid=broker-status]')]
      .every((b) => b.textContent === 'online'));
  }

  /** Creates the form's topic (with `partitions`, if given) once the brokers can host it. */
  async createTopic(partitions) {
    await this.brokersOnline();
    if (partitions !== undefined) {
      await this.page.getByTestId('topic-partitions').fill(String(partitions));
    }
    await this.page.getByTestId('topic-create').click();
    await this.page.getByTestId('partition').first().waitFor();
  }

  /** Adds a producer with the form's settings and waits for its card. */
  async addProducer() {
    await this.page.getByTestId('producer-add').click();
    await this.page.getByTestId('producer').first().waitFor();
  }

  /**
   * Opens lesson `id` from the picker (confirming that it replaces the run) and waits until its
   * run has been rebuilt; returns the lesson panel.
   */
  async startLesson(id) {
    const { page } = this;
    await page.getByTestId('lessons').click();
    await page.locator(`[data-testid=lesson-choice][data-lesson="${id}"]`).click();
    const confirm = page.getByTestId('confirm-ok');
    if (await confirm.isVisible()) await confirm.click();
    await page.locator(`[data-testid=lesson-panel][data-lesson="${id}"]`).waitFor();
    await page.waitForFunction(() => !document.querySelector('[data-testid=seek-progress]'));
    return page.getByTestId('lesson-panel');
  }

  async play() {
    await this.page.getByTestId('play').click();
  }

  async setSpeed(label) {
    await this.page.getByTestId('speed').selectOption({ label });
  }

  events() {
    return this.page.getByTestId('event').allTextContents();
  }

  /** Types a command line into the console and runs it. */
  async console(line) {
    const input = this.page.getByTestId('console-input');
    await input.fill(line);
    await input.press('Enter');
  }

  /**
   * Drops a file named `name` on the page, as a reader drags one from their desktop: `parts`
   * are its contents (text, a byte count of zeros, or an array of bytes).
   */
  dropFile(name, parts) {
    return this.page.evaluate(([name, parts]) => {
      const transfer = new DataTransfer();
      const body = parts.map((part) => (typeof part === 'number' ? new Uint8Array(part)
        : Array.isArray(part) ? new Uint8Array(part) : part));
      transfer.items.add(new File(body, name));
      document.body.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
    }, [name, parts]);
  }

  /** Waits two frames: what the page drew after the last change (it draws on the next frame) is painted. */
  twoFrames() {
    return this.page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
  }

  async screenshot(name, { fullPage = true } = {}) {
    await mkdir(screenshots, { recursive: true });
    // After a resize the page measures and draws again (and lays out what content-visibility
    // skipped): two frames later it is painted, or the picture has blank parts.
    await this.twoFrames();
    const path = join(screenshots, `${name}.png`);
    await this.page.screenshot({ path, fullPage });
    return path;
  }

  /**
   * Saves the run as the Files dialog's JSON scenario under screenshots/`name`.json, so a
   * failure seen once (a click's wall-clock moment makes each run another scenario) can be
   * replayed with `kafka-sim run` and checked with `kafka-sim check`.
   */
  async saveScenario(name) {
    await mkdir(screenshots, { recursive: true });
    await this.page.getByTestId('files').click();
    await this.page.getByRole('dialog', { name: 'Scenario files' }).waitFor();
    const [download] = await Promise.all([
      this.page.waitForEvent('download'),
      this.page.getByTestId('download-json').click(),
    ]);
    const path = join(screenshots, `${name}.json`);
    await download.saveAs(path);
    await this.page.keyboard.press('Escape');
    return path;
  }

  /**
   * Screenshots of what is in view (say, a dialog): `name`-light, -dark (both at the current
   * width) and -480 (light, 480 px wide). `focus` (a locator), if given, is scrolled to the top
   * of the view after each resize: at 480 px the page reflows, and the scroll offset alone would
   * show another part of it.
   */
  async screenshotThemes(name, focus) {
    const size = this.page.viewportSize();
    const variants = [['light', 'light', size.width], ['dark', 'dark', size.width], ['480', 'light', 480]];
    for (const [suffix, colorScheme, width] of variants) {
      await this.page.emulateMedia({ colorScheme });
      await this.page.setViewportSize({ width, height: size.height });
      await focus?.evaluate((element) => element.scrollIntoView({ block: 'start' }));
      console.log('screenshot:', await this.screenshot(`${name}-${suffix}`, { fullPage: false }));
    }
    await this.page.emulateMedia({ colorScheme: null });
    await this.page.setViewportSize(size);
  }
}

/**
 * Registers the suite's hooks (a static server for dist/ and one browser) and returns
 * `open(seed, viewport, { colorScheme, query, firstVisit, locale })`, which opens the playground in a fresh browser context (its own
 * localStorage) and returns the page object.
 */
export function playgroundSuite() {
  const state = {};
  before(async () => {
    state.served = await serveDist();
    state.browser = await launch();
  });
  after(async () => {
    await state.browser?.close();
    state.served?.server.close();
  });
  // A page left open keeps simulating (many tests end playing at 100x) and slowed every later
  // test in its file: each test's pages close when it ends.
  const open = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((context) => context.close()));
  });
  return {
    async open(seed, viewport = { width: 1280, height: 800 }, { colorScheme, query, firstVisit, locale } = {}) {
      const context = await state.browser.newContext({ viewport, colorScheme, locale });
      open.push(context);
      // The lesson picker greets a first visit; specs about other stories start as a returning
      // visitor who dismissed it (lessons.test.mjs asks for a first visit).
      if (!firstVisit) {
        await context.addInitScript(() => {
          const key = 'kafka-playground/lessons';
          if (!localStorage.getItem(key)) localStorage.setItem(key, '{"dismissed":true}');
        });
      }
      const playground = new PlaygroundPage(await context.newPage());
      await playground.open(state.served.url, seed, query);
      return playground;
    },
  };
}
