// The busy cluster opened in a page, and when the page arrives at a moment after a jump,
// timed in the page itself: a DevTools call polling for it every 10 ms took an eighth of the
// main thread during a rewind (profiled), so the figure counted the watcher's own work as the
// page's.

/**
 * A page of the playground at `url` (1280x900, the lessons' greeting dismissed) with the
 * scenario `toml` opened through the files dialog, as a reader would, and replayed.
 */
export async function openScenario(browser, url, toml) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.addInitScript(() => {
    if (!localStorage.getItem('kafka-playground/lessons')) localStorage.setItem('kafka-playground/lessons', '{"dismissed":true}');
  });
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error('page error:', error.message));
  await page.goto(`${url}/?seed=7`);
  await page.getByTestId('clock').waitFor();
  await page.getByTestId('files').click();
  await page.getByTestId('import-file').setInputFiles({ name: 'busy.toml', mimeType: 'application/toml', buffer: Buffer.from(toml) });
  await page.getByTestId('partition').first().waitFor();
  await page.waitForFunction(() => !document.querySelector('[data-testid=seek-progress]'), null, { timeout: 600_000 });
  return { context, page };
}

/**
 * Moves the page to `ms` as a reader would (`how`: 'slider', the timeline dragged there, or
 * 'ahead', the "+10 min" button) and returns the milliseconds from the input to the frame that
 * paints the clock at `ms` with no replay under way (a MutationObserver sees the DOM change;
 * a task queued from the next animation frame runs after that frame's style, layout and paint).
 */
export function timedJump(page, ms, how) {
  return page.evaluate(({ ms, how }) => new Promise((resolve) => {
    const clock = () => Number(document.querySelector('[data-testid=clock]').textContent.match(/t = ([\d.]+) s/)[1]) * 1000;
    const arrived = () => !document.querySelector('[data-testid=seek-progress]') && Math.abs(clock() - ms) < 2;
    let started;
    const observer = new MutationObserver(() => {
      if (!arrived()) return;
      observer.disconnect();
      requestAnimationFrame(() => setTimeout(() => resolve(performance.now() - started), 0));
    });
    observer.observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
    started = performance.now();
    if (how === 'ahead') {
      document.querySelector('[data-testid=ahead-10]').click();
    } else {
      const slider = document.querySelector('[data-testid=timeline]');
      slider.value = String(ms);
      slider.dispatchEvent(new Event('change', { bubbles: true }));
    }
  }), { ms, how });
}
