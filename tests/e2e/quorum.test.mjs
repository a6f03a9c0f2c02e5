// End to end: a cluster with a KRaft quorum of three controllers. One is active; crashing it
// makes the others elect a new one (the brokers keep serving and follow it), and a topic can
// still be created; with two of three down, nothing can be decided and the page says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { playgroundSuite } from './harness.mjs';

const suite = playgroundSuite();

const activeController = (page) => page.evaluate(() => {
  const cards = [...document.querySelectorAll('[data-testid=controller]')];
  const index = cards.findIndex((c) => c.querySelector('[data-testid=controller-role]').textContent === 'active');
  return index < 0 ? null : index;
});

test('fail over the active controller of a three-controller quorum', async () => {
  const playground = await suite.open(11, { width: 1400, height: 1300 });
  const { page } = playground;
  await page.getByTestId('new-cluster-controllers').selectOption('3');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=controller]').length === 3);
  await playground.setSpeed('10×');
  await playground.play();
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=controller-role]')]
    .some((r) => r.textContent === 'active'), null, { timeout: 20_000 });
  const first = await activeController(page);

  // Brokers register with the active controller.
  await page.waitForFunction(() => [...document.querySelectorAll('.badge')].filter((b) => b.textContent === 'online').length >= 3,
    null, { timeout: 20_000 });
  await page.getByTestId('controller').nth(first).getByTestId('controller-crash').click();
  await page.waitForFunction((old) => {
    const cards = [...document.querySelectorAll('[data-testid=controller]')];
    return cards.some((c, i) => i !== old && c.querySelector('[data-testid=controller-role]').textContent === 'active');
  }, first, { timeout: 30_000 });
  const events = await playground.events();
  assert.ok(events.some((e) => /controller \d won the quorum election for epoch [2-9]/.test(e)), events.join('\n'));

  // The new active controller decides: a topic can be created. Right after its election the
  // request can still be refused (as Kafka's admin client sees NOT_CONTROLLER and retries), so
  // the test retries as a user would, and says what it was told.
  const refusals = [];
  for (let attempt = 0; attempt < 5; attempt += 1) {
    await page.getByTestId('topic-create').click();
    try {
      await page.getByTestId('partition').first().waitFor({ timeout: 4_000 });
      break;
    } catch {
      refusals.push(await page.locator('.topic-form, [data-testid=topic-error]').first().textContent().catch(() => ''));
    }
  }
  assert.ok(await page.getByTestId('partition').count() > 0, `no topic after 5 attempts: ${refusals.join(' | ')}`);
  console.log('screenshot:', await playground.screenshot('quorum-failover'));

  // Two of three down: no majority, nothing active.
  const second = await activeController(page);
  await page.getByTestId('controller').nth(second).getByTestId('controller-crash').click();
  await page.waitForFunction(() => /no active controller/.test(document.querySelector('.quorum .meta').textContent),
    null, { timeout: 30_000 });
  assert.deepEqual(playground.errors, []);
});
