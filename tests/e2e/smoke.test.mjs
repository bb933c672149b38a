// Smoke test: the landing page of a running `omnimeter demo`, in Debian's chromium.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, test } from 'node:test';

import { artifactPath, launchBrowser, startOmnimeter, tempDir } from './harness.mjs';

let server;
let browser;
let data;

before(async () => {
  data = tempDir('omni-e2e-');
  server = await startOmnimeter(['demo', '--port', '0', '--data-dir', data, '--meters', '2000',
    '--web-root', process.env.OMNI_WEB_ROOT]);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  if (server) assert.equal(await server.stop(), 0, 'omnimeter exits cleanly on SIGTERM');
  rmSync(data, { recursive: true, force: true });
});

// A browser set to Chinese, as most users' are; `locale` is what navigator.language reports.
async function openPage(url, locale = 'zh-CN') {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, locale });
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  await page.goto(url, { waitUntil: 'networkidle' });
  return { page, problems };
}

test('landing page shows the platform status in Chinese', async () => {
  const { page, problems } = await openPage(server.url);
  await page.waitForSelector('#version');
  const info = await (await fetch(`${server.url}api/v1/info`)).json();
  assert.equal(await page.textContent('#version'), info.version);
  assert.equal(await page.textContent('#installation'), info.installation_id);
  assert.equal(await page.textContent('#title'), '综合能源多表合一远传抄表监测系统');
  assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');
  const storage = await page.textContent('[data-component="storage"]');
  assert.match(storage, /数据存储\s*运行中/);
  // The start time is shown in Beijing time (UTC+8).
  const started = new Date(info.started_at);
  const beijingHour = String((started.getUTCHours() + 8) % 24).padStart(2, '0');
  assert.match(await page.textContent('#started'), new RegExp(`\\b${beijingHour}:`));
  // Chinese glyphs are drawn with a real CJK font, not as empty boxes: the title is as wide as
  // its characters need (a tofu box font would still be wide, so also check the font resolved).
  const fontOk = await page.evaluate(() => document.fonts.check('16px "WenQuanYi Micro Hei"'));
  assert.ok(fontOk, 'the CJK font is installed (fonts-wqy-microhei)');
  // The demo runs the cloud, so the city dashboard is offered; the resident app is not built yet.
  assert.equal(await page.getAttribute('#app-dashboard', 'href'), '/dashboard/');
  assert.equal(await page.$('#app-resident'), null);
  await page.screenshot({ path: artifactPath('landing-zh.png'), fullPage: true });
  assert.deepEqual(problems, []);
  await page.close();
});

test('the language toggle switches to English and is remembered', async () => {
  const { page, problems } = await openPage(server.url);
  await page.waitForSelector('#version');
  await Promise.all([page.waitForURL(/lang=en/), page.click('#lang-toggle')]);
  await page.waitForSelector('#version');
  assert.equal(await page.textContent('#title'),
    'Integrated Multi-Meter Remote Reading and Monitoring');
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  // The cookie keeps English without the query parameter.
  await page.goto(server.url, { waitUntil: 'networkidle' });
  await page.waitForSelector('#version');
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  await page.screenshot({ path: artifactPath('landing-en.png'), fullPage: true });
  assert.deepEqual(problems, []);
  await page.close();
});

test('a browser set to English gets English without asking', async () => {
  const { page, problems } = await openPage(server.url, 'en-US');
  await page.waitForSelector('#version');
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  assert.deepEqual(problems, []);
  await page.close();
});

test('assets are served with caching headers and no CDN', async () => {
  const { page } = await openPage(server.url);
  const external = [];
  page.on('request', (r) => { if (!r.url().startsWith(server.url)) external.push(r.url()); });
  await page.reload({ waitUntil: 'networkidle' });
  assert.deepEqual(external, [], 'everything comes from omnimeter itself');
  const html = await fetch(server.url);
  assert.equal(html.headers.get('cache-control'), 'no-cache');
  const script = /src="([^"]+\.js)"/.exec(await html.text())[1];
  const js = await fetch(new URL(script, server.url));
  assert.equal(js.status, 200);
  assert.equal(js.headers.get('cache-control'), 'public, max-age=31536000, immutable');
  await page.close();
});

test('the station console shows yesterday\'s reading success of the simulated city', async () => {
  const { page, problems } = await openPage(server.url);
  await page.waitForSelector('#app-station');
  await page.click('#app-station');
  await page.waitForURL(/\/console\/$/);
  // The demo's concentrators log in and the station collects within seconds; reload until the
  // figures are in.
  let cells = [];
  for (let i = 0; i < 40; i += 1) {
    await page.waitForSelector('#success tbody tr');
    cells = await page.$$eval('#success tbody tr:last-child td', (tds) => tds.map((td) => td.textContent));
    if (Number(cells[1]) > 1000 && Number(cells[2]) >= Number(cells[1]) * 0.99) break;
    await page.waitForTimeout(250);
    await page.reload({ waitUntil: 'networkidle' });
  }
  assert.equal(cells[0], '合计');
  assert.ok(Number(cells[1]) > 1000, `meters: ${cells[1]}`);
  assert.ok(Number(cells[2]) >= Number(cells[1]) * 0.99, `read ${cells[2]} of ${cells[1]}`);
  assert.match(cells[3], /^\d+\.\d\d %$/);
  assert.equal(await page.textContent('#title'), '主站控制台');
  await page.screenshot({ path: artifactPath('console-zh.png'), fullPage: true });
  assert.deepEqual(problems, []);
  await page.close();
});
