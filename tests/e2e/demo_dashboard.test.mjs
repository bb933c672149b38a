// Browser test of `omnimeter demo`: a small city backfills a fortnight through the real path
// (four utilities' simulated fields → their stations over DL/T 698.45 → exchange → cloud), and
// the city dashboard opens on it with every energy's usage and the map, without errors. The
// screenshot goes to the e2e artefacts (demo-dashboard-zh.png).
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, test } from 'node:test';

import { artifactPath, launchBrowser, startOmnimeter, tempDir } from './harness.mjs';

const HISTORY_DAYS = 14;

let server;
let browser;
let data;

before(async () => {
  data = tempDir('omni-e2e-demo-');
  server = await startOmnimeter(['demo', '--port', '0', '--data-dir', data, '--meters', '400',
    '--meters-per-concentrator', '60', '--history-days', String(HISTORY_DAYS),
    '--speed', '43200', '--web-root', process.env.OMNI_WEB_ROOT]);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  if (server) assert.equal(await server.stop(), 0, 'omnimeter exits cleanly on SIGTERM');
  rmSync(data, { recursive: true, force: true });
});

// The demo prints "history complete" on stdout once the cloud holds every reading up to
// yesterday; the dashboard's own API says the same through the data's last day.
async function waitForHistory() {
  const yesterday = new Date(Date.now() + 8 * 3600_000 - 86400_000).toISOString().slice(0, 10);
  for (let i = 0; i < 240; i += 1) {
    const info = await (await fetch(`${server.url}api/v1/info`)).json();
    if (info.data?.last_day && info.data.last_day >= yesterday) return info;
    await new Promise((r) => setTimeout(r, 500));
  }
  assert.fail(`the history did not reach ${yesterday}:\n${server.stderr().slice(-2000)}`);
}

test('the city dashboard shows the backfilled demo city', async () => {
  const info = await waitForHistory();
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 }, locale: 'zh-CN' });
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('request', (r) => { if (!r.url().startsWith(server.url)) problems.push(`external request: ${r.url()}`); });
  await page.goto(`${server.url}dashboard/`);
  await page.waitForFunction(() => window.omniDashboard?.ready && window.omniDashboard.renders > 0,
    null, { timeout: 30_000 });
  // The same figures the page shows come from the overview API: all four energies are there,
  // electricity, water and gas with usage.
  const overview = await (await fetch(
    `${server.url}api/v1/stats/overview?from=${info.data.first_day}&to=${info.data.last_day}`)).json();
  const usage = Object.fromEntries(overview.energies.map((e) => [e.energy, e.usage]));
  for (const energy of ['electricity', 'water', 'gas']) {
    assert.ok(usage[energy] > 0, `${energy} usage: ${usage[energy]}`);
  }
  const text = await page.textContent('body');
  assert.match(text, /电/);
  await page.waitForTimeout(400);  // the charts' animations
  await page.screenshot({ path: artifactPath('demo-dashboard-zh.png'), fullPage: true });
  assert.deepEqual(problems, []);
  await page.close();
});
