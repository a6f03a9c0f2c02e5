// End to end: the cluster's shape. A new cluster of six brokers with a rack each; a seventh
// broker joins while it runs (it registers and is unfenced, and hosts nothing); a reassignment
// moves a partition's replica onto it, and the partition table shows broker 7 in the replicas
// and, once it has caught up, in the ISR. The console's kafka-reassign-partitions.sh then
// finds no reassignment left, and a reload rebuilds the seven-broker run from its saved
// commands.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { playgroundSuite } from './harness.mjs';

const suite = playgroundSuite();

const partitionCells = (page, index) => page.evaluate((i) => {
  const row = document.querySelector(`[data-testid=partition][data-partition="${i}"]`);
  return row ? { replicas: row.children[3].textContent, isr: row.children[4].textContent } : null;
}, index);

test('build a six-broker cluster, add a seventh while it runs and move a partition onto it', async () => {
  const playground = await suite.open(23, { width: 1400, height: 1100 });
  const { page } = playground;
  await page.getByTestId('new-cluster-brokers').selectOption('6');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=broker]').length === 6);
  await page.getByTestId('new-cluster-racks').selectOption('per-broker');
  await page.waitForFunction(() => document.querySelector('[data-broker-id="6"]')?.textContent.includes('rack-6'));
  await playground.setSpeed('10×');
  await playground.play();
  await playground.brokersOnline();
  assert.equal(await playground.brokers().count(), 6);
  assert.equal(await page.getByTestId('new-cluster-brokers').inputValue(), '6', 'the control shows the shape');
  await page.evaluate(() => window.scrollTo(0, 0));
  await playground.screenshotThemes('cluster-shape-controls');

  await playground.createTopic();
  await page.getByTestId('add-broker').click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=broker]').length === 7);
  await page.waitForFunction(() => document.querySelector('[data-broker-id="7"] [data-testid=broker-status]')
    ?.textContent === 'online', null, { timeout: 20_000 });
  const events = await playground.events();
  assert.ok(events.some((e) => /broker 7 \(rack rack-7\) was added/.test(e)), events.join('\n'));
  const before = await partitionCells(page, 0);
  assert.ok(!before.replicas.split(',').includes('7'), `nothing moves on its own: ${before.replicas}`);

  // Move partition 0's first replica (its preferred leader) to broker 7.
  const [, ...kept] = before.replicas.split(',');
  await page.getByTestId('reassign-topic').selectOption('orders');
  await page.getByTestId('reassign-partition').fill('0');
  await page.getByTestId('reassign-replicas').fill(['7', ...kept].join(','));
  await page.getByTestId('reassign-submit').click();
  await page.waitForFunction(() => {
    const row = document.querySelector('[data-testid=partition][data-partition="0"]');
    return row && row.children[3].textContent.split(',')[0] === '7'
      && row.children[4].textContent.split(',').includes('7');
  }, null, { timeout: 20_000 });
  const after = await partitionCells(page, 0);
  assert.equal(after.replicas, ['7', ...kept].join(','));
  assert.deepEqual(after.isr.split(',').sort(), ['7', ...kept].sort());
  assert.equal(await page.getByTestId('reassign-error').count(), 0);

  await playground.console('kafka-reassign-partitions.sh --bootstrap-server localhost:9092 --list');
  await page.waitForFunction(() => /No partition reassignments found\./
    .test(document.querySelector('[data-testid=console-output]').textContent));

  // A broker that does not exist is refused with the controller's words, and nothing changes.
  await page.getByTestId('reassign-replicas').fill('9,1');
  await page.getByTestId('reassign-submit').click();
  await page.getByTestId('reassign-error').waitFor();
  assert.match(await page.getByTestId('reassign-error').textContent(),
    /The manual partition assignment includes broker 9, but no such broker is registered\./);

  await playground.play();
  await page.evaluate(() => document.querySelector('.cluster').scrollIntoView());
  console.log('screenshot:', await playground.screenshot('cluster-seven-brokers'));
  await playground.screenshotThemes('cluster-seven-brokers-view');

  // The saved run carries the new commands: a reload rebuilds seven brokers and the move.
  await page.reload();
  await page.getByTestId('clock').waitFor();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=broker]').length === 7,
    null, { timeout: 20_000 });
  await page.waitForFunction(() => {
    const row = document.querySelector('[data-testid=partition][data-partition="0"]');
    return row && row.children[3].textContent.split(',')[0] === '7';
  }, null, { timeout: 20_000 });
  assert.equal(await page.getByTestId('new-cluster-racks').inputValue(), 'per-broker');
  assert.deepEqual(playground.errors, []);
});
