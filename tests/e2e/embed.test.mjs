// End to end: the documentation-embed example page hosts a compact playground that saves
// nothing; the full page answers the keyboard and switches themes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { playgroundSuite } from './harness.mjs';

const suite = playgroundSuite();

test('an embedded playground is compact and never touches the saved run', async () => {
  // A first visit, so the harness stores nothing (not even the dismissed lesson picker).
  const playground = await suite.open(4, { width: 800, height: 1000 }, { firstVisit: true });
  const { page } = playground;
  await page.goto(page.url().replace(/\/\?.*$/, '/embed.html'));
  const frame = page.frameLocator('[data-testid=embedded]');
  await frame.locator('main.playground.embed').waitFor();
  await frame.getByTestId('play').click();
  await frame.getByTestId('topic-create').click();
  await frame.getByTestId('partition').first().waitFor();
  const saved = await page.evaluate(() => Object.keys(localStorage)
    .filter((k) => k.startsWith('kafka-playground/') && k !== 'kafka-playground/theme'));
  assert.deepEqual(saved, [], 'the embed saved nothing');
  console.log('screenshot:', await playground.screenshot('embed'));
});

test('Space plays and pauses, "." steps, the theme button switches to dark', async () => {
  const playground = await suite.open(6, { width: 1400, height: 900 });
  const { page } = playground;
  const warnings = [];
  page.on('console', (message) => warnings.push(message.text()));
  const notFound = [];
  page.on('response', (response) => { if (response.status() === 404) notFound.push(response.url()); });
  await page.reload();
  await page.getByTestId('clock').waitFor();
  await page.evaluate(() => window.scrollTo(0, 200));
  const scrolled = await page.evaluate(() => window.scrollY);
  await page.locator('body').press('Space');
  await page.waitForFunction(async () => (await document.querySelector('[data-testid=play]').textContent) === 'Pause');
  assert.equal(await page.evaluate(() => window.scrollY), scrolled, 'Space plays without scrolling');
  await page.locator('body').press('Space');
  const paused = await playground.seconds();
  await page.locator('body').press('.');
  await page.waitForFunction((before) => {
    const text = document.querySelector('[data-testid=clock]').textContent;
    return Number(text.match(/t = ([\d.]+) s/)[1]) > before;
  }, paused);
  await page.getByTestId('theme').click();
  await page.getByTestId('theme').click();
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
  const background = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
  assert.equal(background, 'rgb(22, 24, 28)');
  console.log('screenshot:', await playground.screenshot('dark-theme'));
  assert.deepEqual(playground.errors, []);
  assert.deepEqual(warnings.filter((w) => w.includes('preventDefault')), [], 'no passive-listener warning');
  assert.deepEqual(notFound, [], 'nothing the page asks for is missing (the favicon)');
});
