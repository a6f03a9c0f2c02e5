// End to end: the partition table draws what a reader can see, however long the run (issue 17).
// On the busy cluster (36 partitions, RF=3, 1,000 records a second) each replica's log draws
// its newest records that fit on a line, says how many earlier records it does not draw, and
// opens (from the keyboard too) to read further back in a box that scrolls.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { playgroundSuite, settles } from './harness.mjs';

const suite = playgroundSuite();
/** kafka_sim::view::RECORDS_IN_VIEW: the most a closed log draws, on the widest screen. */
const MOST_ON_A_LINE = 16;
/** sim_context::RECORDS_OPENED. */
const OPENED = 256;

async function openBusy(page, untilMs) {
  let toml = await readFile(new URL('../../docs/examples/busy-cluster.toml', import.meta.url), 'utf8');
  toml = toml.replace(/^run_until_ms = \d+$/m, `run_until_ms = ${untilMs}`);
  await page.getByTestId('files').click();
  await page.getByTestId('import-file').setInputFiles({ name: 'busy.toml', mimeType: 'application/toml', buffer: Buffer.from(toml) });
  await page.getByTestId('partition').first().waitFor();
  await page.waitForFunction(() => !document.querySelector('[data-testid=seek-progress]'), null, { timeout: 120_000 });
}

/** Per replica: its log end offset (from its label) and the record cells it draws. */
const replicas = (page) => page.evaluate(() => [...document.querySelectorAll('[data-testid=replica]')].map((r) => ({
  leo: Number(r.getAttribute('aria-label').match(/log end offset (\d+)/)[1]),
  cells: r.querySelectorAll('.record').length,
  opened: r.classList.contains('opened'),
})));

for (const width of [1280, 480]) {
  test(`at ${width} px a long log draws a bounded number of record cells and opens to read back`, async () => {
    const playground = await suite.open(7, { width, height: 900 });
    const { page } = playground;
    await openBusy(page, 20_000);
    // The table measures how many records fit after its first draw, and draws again.
    let [drawn, previous] = [await replicas(page), null];
    do {
      previous = drawn;
      await page.waitForTimeout(300);
      drawn = await replicas(page);
    } while (JSON.stringify(drawn) !== JSON.stringify(previous));
    assert.equal(drawn.length, 36 * 3);
    // Nothing scrolls sideways: at 480 px the logs have a line of their own under the row.
    assert.ok(await page.locator('[data-testid=topic]').first().evaluate((t) => t.scrollWidth <= t.clientWidth),
      'the partition table fits its card');
    const longest = Math.max(...drawn.map((r) => r.leo));
    assert.ok(longest > 10 * MOST_ON_A_LINE, `a long log: ${longest} records`);
    const most = Math.max(...drawn.map((r) => r.cells));
    assert.ok(most >= 4 && most <= MOST_ON_A_LINE, `a line of records at most: ${most}`);
    assert.ok(drawn.every((r) => r.cells === Math.min(r.leo, most)), 'every log the same newest count');
    const total = drawn.reduce((n, r) => n + r.cells, 0);
    assert.ok(total <= 36 * 3 * MOST_ON_A_LINE, `${total} cells for ${drawn.reduce((n, r) => n + r.leo, 0)} records`);

    // The partition with the longest leader log says what it does not draw.
    const row = page.locator('[data-testid=partition]', {
      has: page.locator(`[data-testid=replica][aria-label*="log end offset ${longest},"]`),
    }).first();
    const earlier = row.getByTestId('earlier-records');
    const hidden = longest - most;
    assert.equal(await earlier.textContent(), `… ${hidden} earlier records not drawn (offsets 0–${hidden - 1}) · show the newest ${OPENED} of ${longest}`);
    assert.equal(await earlier.getAttribute('aria-expanded'), 'false');
    await row.scrollIntoViewIfNeeded();
    await playground.screenshotThemes(`partition-table-${width}`, row);

    // Opened from the keyboard: that partition's logs draw their newest OPENED in a box the
    // keyboard scrolls; the others stay one line.
    await earlier.focus();
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('[data-testid=earlier-records][aria-expanded=true]'));
    const opened = (await replicas(page)).filter((r) => r.opened);
    assert.equal(opened.length, 3);
    assert.ok(opened.every((r) => r.cells === Math.min(r.leo, OPENED)), JSON.stringify(opened));
    assert.ok((await replicas(page)).filter((r) => !r.opened).every((r) => r.cells <= most));
    const box = row.locator('.replica.opened .records').first();
    assert.equal(await box.getAttribute('tabindex'), '0');
    assert.ok(await box.evaluate((b) => b.scrollHeight > b.clientHeight), 'the opened log scrolls');
    assert.ok(await box.evaluate((b) => b.scrollTop + b.clientHeight >= b.scrollHeight - 2),
      'it opens at its newest records, where the reader was');
    assert.match(await row.getByTestId('earlier-records').textContent(), / · show fewer$/);
    await row.scrollIntoViewIfNeeded();
    await playground.screenshot(`partition-table-${width}-opened`, { fullPage: false });
    await row.getByTestId('earlier-records').click();
    await page.waitForFunction(() => !document.querySelector('.replica.opened'));
    assert.deepEqual(playground.errors, []);
  });
}

test('at 480 px every partition\'s cells line up under their headings, its logs under them', async () => {
  const playground = await suite.open(7, { width: 480, height: 900 });
  const { page } = playground;
  await playground.createTopic(3);
  // Each column's left edge, in the heading row and in every partition's row: one number each.
  const edges = await page.evaluate(() => {
    const table = document.querySelector('[data-testid=partition]').closest('table');
    return [...table.querySelectorAll('tr')].map((row) => [...row.children].slice(0, 6)
      .map((cell) => Math.round(cell.getBoundingClientRect().left)));
  });
  assert.equal(edges.length, 4, 'a heading row and three partitions');
  for (const row of edges.slice(1)) assert.deepEqual(row, edges[0], JSON.stringify(edges));
  const logs = await page.evaluate(() => {
    const row = document.querySelector('[data-testid=partition]');
    const [first, logs] = [row.children[0].getBoundingClientRect(), row.querySelector('td.logs').getBoundingClientRect()];
    return { below: logs.top >= first.bottom, left: Math.round(logs.left - first.left) };
  });
  assert.deepEqual(logs, { below: true, left: 0 }, 'the logs take the width under the short columns');
  assert.deepEqual(playground.errors, []);
});

test('a log of 30 records says it opens to all 30, not to the newest 256', async () => {
  const playground = await suite.open(5, { width: 1280, height: 900 });
  const { page } = playground;
  await playground.setSpeed('10×');
  await playground.play();
  await playground.createTopic(1);
  await playground.addProducer();
  for (let i = 0; i < 3; i += 1) await page.getByTestId('send-10').click();
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=replica]')]
    .every((r) => r.getAttribute('aria-label').includes('log end offset 30,')), null, { timeout: 30_000 });
  await playground.play(); // pause
  const earlier = page.getByTestId('earlier-records');
  await settles(async () => / · show all 30$/.test(await earlier.textContent()), true, await earlier.textContent());
  const cells = await page.locator('[data-testid=replica]').first().locator('.record').count();
  assert.equal(await earlier.textContent(), `… ${30 - cells} earlier records not drawn (offsets 0–${29 - cells}) · show all 30`);
  const row = page.getByTestId('partition').first();
  await row.scrollIntoViewIfNeeded();
  await playground.screenshotThemes('partition-table-30-records', row);
  await earlier.click();
  await settles(() => earlier.textContent(), 'all 30 records shown · show fewer');
  await row.scrollIntoViewIfNeeded();
  await playground.screenshot('partition-table-30-records-opened', { fullPage: false });
  assert.deepEqual(playground.errors, []);
});

test('an ISR below min.insync.replicas says why the high watermark stands still', async () => {
  const playground = await suite.open(5, { width: 1280, height: 900 });
  const { page } = playground;
  await playground.setSpeed('10×');
  await playground.play();
  await playground.createTopic(1); // the form's min.insync.replicas: 2
  const leader = await page.getByTestId('partition-leader').first().textContent();
  for (const id of ['1', '2', '3'].filter((b) => b !== leader)) await playground.broker(id).getByTestId('crash').click();
  await page.waitForFunction((l) => document.querySelector('[data-testid=partition-isr]')?.textContent === l, leader, { timeout: 60_000 });
  await page.getByTestId('producer-acks').selectOption('1');
  await playground.addProducer();
  await page.getByTestId('send-10').click();
  const leaderRow = page.locator(`[data-testid=replica][data-broker="${leader}"]`);
  await page.waitForFunction((l) => document.querySelector(`[data-testid=replica][data-broker="${l}"]`)
    ?.getAttribute('aria-label').includes('log end offset 10,'), leader, { timeout: 30_000 });
  await playground.play(); // pause
  assert.match(await leaderRow.getAttribute('aria-label'), /high watermark 0$/, 'the HW stands still');
  const held = page.getByTestId('hw-held');
  assert.equal(await held.textContent(), 'HW held at 0: ISR size 1 < min.insync.replicas=2. The leader does not advance the HW '
    + '(strict min ISR, Kafka 4.0) and refuses acks=all produces (NOT_ENOUGH_REPLICAS); acks=1 and acks=0 records wait above '
    + 'the HW, unread by consumers.');
  const row = page.getByTestId('partition').first();
  await row.scrollIntoViewIfNeeded();
  await playground.screenshotThemes('partition-table-hw-held', row);
  assert.deepEqual(playground.errors, []);
});
