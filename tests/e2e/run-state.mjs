// What the share and files specs compare between two browsers: a run as a reader sees it (with
// its trace fingerprint) and the saved runs, and a busy run to carry across.

/** What a reader sees of a run, and its trace fingerprint, once any replay has finished. */
export async function state(page) {
  // After a reload, the page must have drawn before its replay can be waited for.
  await page.getByTestId('clock').waitFor();
  await page.waitForFunction(() => !document.querySelector('[data-testid=seek-progress]'), null, { timeout: 60_000 });
  // The partition table measures how many records fit on a line after a draw and may draw
  // again: read it once two readings agree (a few tries: a playing run never stands still).
  let [now, before] = [await read(page), null];
  for (let tries = 0; tries < 10 && JSON.stringify(now) !== JSON.stringify(before); tries++) {
    await page.waitForTimeout(200);
    [before, now] = [now, await read(page)];
  }
  return now;
}

function read(page) {
  return page.evaluate(() => ({
    hash: document.querySelector('.timeline').dataset.traceHash,
    clock: document.querySelector('[data-testid=clock]').textContent,
    topics: [...document.querySelectorAll('[data-testid=topic]')].map((t) => t.textContent),
    leaders: [...document.querySelectorAll('[data-testid=partition-leader]')].map((l) => l.textContent),
    brokers: [...document.querySelectorAll('[data-testid=broker-status]')].map((b) => b.textContent),
  }));
}

/** Every saved-run key and its value, to prove nothing was written. */
export const storage = (page) => page.evaluate(() => Object.fromEntries(Object.keys(localStorage)
  .filter((k) => k.startsWith('kafka-playground/') && k !== 'kafka-playground/theme')
  .sort().map((k) => [k, localStorage.getItem(k)])));

/** A run with a topic, records sent and a broker crashed, paused; opened by `suite`. */
export async function busyRun(suite, seed) {
  const playground = await suite.open(seed, { width: 1280, height: 900 });
  const { page } = playground;
  await playground.setSpeed('10×');
  await playground.play();
  await playground.createTopic();
  await page.getByTestId('producer-add').click();
  await page.getByTestId('producer').first().waitFor();
  await page.getByTestId('send-10').click();
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=operation]')]
    .filter((o) => o.textContent.includes('acknowledged')).length === 10);
  await playground.broker(2).getByRole('button', { name: 'Crash' }).click();
  await page.waitForTimeout(400);
  await playground.play();
  return playground;
}
