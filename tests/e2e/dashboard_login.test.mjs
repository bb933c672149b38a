// Browser test of the dashboard's log-in against a cloud with [cloud.access] required = true
// (ARC-3, docs/cloud.md "Identity"): the dashboard asks for a log-in, a wrong password shows the
// error, the right one shows the overview, logging out asks again, and a user limited to a
// district (海淀区) sees that district only, whatever region the URL asks for, and downloads
// its tables with the session's token.
//
// The city: 朝阳区 and 海淀区, one community each, a few households with electricity meters that
// use the same amount every day; readings at midnight from 1 to 11 October 2026, so the period
// 1–10 October holds ten days of usage everywhere. Users are made with `omnimeter ctl user add`
// on the cloud's configuration, as an operator would.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { artifactPath, launchBrowser, startOmnimeter, tempDir } from './harness.mjs';

const { sm3 } = createRequire(new URL('../node/package.json', import.meta.url))('sm-crypto');

const STATION = 'e2e-login';
const PERIOD = { from: '2026-10-01', to: '2026-10-10', days: 10 };
const CITY = [
  { code: '110105', name: '朝阳区', street: '110105010', streetName: '望京街道',
    community: '110105010001', communityName: '望京西园社区', rates: [850, 1210, 990] },
  { code: '110108', name: '海淀区', street: '110108002', streetName: '中关村街道',
    community: '110108002001', communityName: '中关村社区', rates: [770, 1430] },
];
const USERS = {
  city: { password: 'Municipal-View-2026', args: ['--role', 'read-only', '--kind', 'government'] },
  haidian: { password: 'District-Gov-2026',
    args: ['--role', 'read-only', '--region', '110108', '--kind', 'government'] },
};

const pad = (n, width) => String(n).padStart(width, '0');

// ISO/IEC 7064 MOD 11,10, the base information code's check digit.
function checkDigit(digits) {
  let p = 10;
  for (const c of digits) {
    let s = (p + Number(c)) % 10;
    if (s === 0) s = 10;
    p = (2 * s) % 11;
  }
  return String((11 - p) % 10);
}

function baseCode(community, room) {
  const digits = `${community}0001${pad(1, 2)}${pad(room, 4)}101`;  // building 1, unit 1, electricity
  return digits + checkDigit(digits);
}

// kWh over PERIOD of a district's households (rates are hundredths of a kWh a day).
const usageOf = (district) => district.rates.reduce((a, r) => a + r, 0) * PERIOD.days / 100;

function batch(sequence, lines) {
  const body = lines.map((l) => `${l}\n`).join('');
  const digest = sm3(Array.from(Buffer.from(body, 'utf8')));
  const created = `${new Date().toISOString().slice(0, 19)}Z`;
  return `OMX|1|${STATION}|${sequence}|${created}|${lines.length}|${digest}\n${body}`;
}

function cityBatches() {
  const lines = ['R|1101|city|北京市||'];
  const meters = [];
  for (const d of CITY) {
    lines.push(`R|${d.code}|district|${d.name}||`, `R|${d.street}|street|${d.streetName}||`,
      `R|${d.community}|community|${d.communityName}|39.95|116.40`);
    d.rates.forEach((rate, i) => {
      const code = baseCode(d.community, 101 + i);
      meters.push({ code, rate });
      lines.push(['B', code, pad(200_000_000_000 + meters.length, 12), '', 'R', '', '0', '1', '40', '1',
        '2025-01-01T00:00:00Z', ''].join('|'));
    });
  }
  const readings = [];
  for (let k = 0; k <= PERIOD.days; k += 1) {
    // 00:00 Beijing time of 1 October + k days, in UTC.
    const at = new Date(Date.parse('2026-09-30T16:00:00Z') + k * 86_400_000).toISOString().slice(0, 19);
    for (const m of meters) {
      const v = 100_000 + k * m.rate;  // hundredths
      readings.push(`E|${m.code}|${at}Z|${Math.floor(v / 100)}.${pad(v % 100, 2)}|kWh|40|0`);
    }
  }
  return [batch(1, lines), batch(2, readings)];
}

let server;
let browser;
let dir;

before(async () => {
  dir = tempDir('omni-e2e-login-');
  const config = join(dir, 'cloud.toml');
  writeFileSync(config, `[database]
path = "${join(dir, 'cloud.db')}"

[cloud.http]
port = 0
web_root = "${process.env.OMNI_WEB_ROOT}"

[cloud.access]
required = true
`);
  for (const [name, u] of Object.entries(USERS)) {
    const r = spawnSync(process.env.OMNIMETER_BIN, ['ctl', 'user', 'add', name, ...u.args, '-c', config],
      { input: `${u.password}\n`, encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, `ctl user add ${name}: ${r.stderr}`);
  }
  server = await startOmnimeter(['cloud', '-c', config]);
  for (const text of cityBatches()) {
    const response = await fetch(`${server.url}api/v1/exchange/batches`, {
      method: 'POST', headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: text,
    });
    const ack = await response.text();
    assert.equal(response.status, 200, ack);
    assert.equal(JSON.parse(ack).status, 'accepted', ack);
  }
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  if (server) assert.equal(await server.stop(), 0, 'the cloud exits cleanly on SIGTERM');
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const hashOf = (page, extra = '') => `#/${page}?from=${PERIOD.from}&to=${PERIOD.to}&energy=electricity${extra}`;

async function waitRendered(page, after) {
  await page.waitForFunction((n) => window.omniDashboard?.ready && window.omniDashboard.renders > n,
    after, { timeout: 15_000 });
}

async function renders(page) {
  return page.evaluate(() => window.omniDashboard.renders);
}

async function open(hash, locale = 'zh-CN') {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 }, locale });
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  // The 401 and 403 answers the browser logs as failed loads are the point of this test.
  page.on('console', (m) => {
    if ((m.type() === 'error' || m.type() === 'warning') && !/status of 40[013]/.test(m.text())) {
      problems.push(`console: ${m.text()}`);
    }
  });
  await page.goto(`${server.url}dashboard/${hash}`);
  await waitRendered(page, 0);
  return { page, problems };
}

async function logIn(page, name, password) {
  const n = await renders(page);
  await page.fill('#login-user', name);
  await page.fill('#login-password', password);
  await page.click('#login-submit');
  return n;
}

const cardUsage = async (page) =>
  Number(await page.getAttribute('#card-electricity .usage .value', 'data-value'));

test('the dashboard asks for a log-in, refuses a wrong password and shows the city after the right one', async () => {
  const { page, problems } = await open(hashOf('overview'));
  await page.waitForSelector('#login-form');
  assert.equal(await page.textContent('#login-form h2'), '登录城市能源驾驶舱');
  assert.equal(await page.locator('#card-electricity').count(), 0, 'no data before the log-in');

  await logIn(page, 'city', 'Wrong-Password-1');
  await page.waitForFunction(() => document.getElementById('login-error')?.textContent);
  assert.equal(await page.textContent('#login-error'), '用户名或密码错误');
  assert.equal(await page.inputValue('#login-password'), '', 'the wrong password is cleared');

  const n = await logIn(page, 'city', USERS.city.password);
  await waitRendered(page, n);
  await page.waitForSelector('#card-electricity');
  assert.equal(await cardUsage(page), usageOf(CITY[0]) + usageOf(CITY[1]));
  assert.equal(await page.textContent('#user-name'), 'city');
  const token = await page.evaluate(() => sessionStorage.getItem('omni.dashboard.token'));
  assert.match(token ?? '', /^[0-9a-f]{64}$/, 'the token is kept in sessionStorage');
  await page.screenshot({ path: artifactPath('dashboard-login-city.png'), fullPage: true });

  // A reload keeps the session of this tab.
  const again = await renders(page);
  await page.reload();
  await waitRendered(page, 0);
  await page.waitForSelector('#card-electricity');
  assert.ok(again >= 1);

  // Logging out ends the session: the cloud asks again, and the old token is refused.
  const before = await renders(page);
  await page.click('#logout');
  await waitRendered(page, before);
  await page.waitForSelector('#login-form');
  assert.equal(await page.evaluate(() => sessionStorage.getItem('omni.dashboard.token')), null);
  const stale = await fetch(`${server.url}api/v1/stats/overview?from=${PERIOD.from}&to=${PERIOD.to}`,
    { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(stale.status, 401);
  assert.deepEqual(problems, []);
  await page.close();
});

test('a district user sees only the district, whatever the URL asks for', async () => {
  // The link asks for the other district; the dashboard keeps the user inside 海淀区.
  const { page, problems } = await open(hashOf('overview', '&region=110105'));
  await page.waitForSelector('#login-form');
  const n = await logIn(page, 'haidian', USERS.haidian.password);
  await waitRendered(page, n);
  await page.waitForSelector('#card-electricity');
  assert.equal(await cardUsage(page), usageOf(CITY[1]));
  assert.match(page.url(), /region=110108/);
  assert.equal(await page.textContent('#breadcrumb .current'), '海淀区');
  assert.equal(await page.locator('#breadcrumb a').count(), 0, 'the city above the district is not a link');

  // The regions page: the district's streets only, no error for the city's district ranking.
  const m = await renders(page);
  await page.evaluate((h) => { window.location.hash = h; }, hashOf('regions'));
  await waitRendered(page, m);
  await page.waitForSelector('#table-children');
  const rows = await page.$$eval('#table-children tbody tr', (trs) => trs.map((tr) => tr.dataset.id));
  assert.deepEqual(rows, [CITY[1].street]);
  assert.equal(await page.locator('.error').count(), 0);
  await page.screenshot({ path: artifactPath('dashboard-login-district.png'), fullPage: true });

  // A table download carries the token too (a plain link would be refused with 401).
  const [file] = await Promise.all([page.waitForEvent('download'), page.click('#children-csv')]);
  const csv = readFileSync(await file.path(), 'utf8');
  assert.match(csv, /110108002/, csv);
  assert.doesNotMatch(csv, /110105/, csv);

  // The API itself refuses the other district to this user's token.
  const token = await page.evaluate(() => sessionStorage.getItem('omni.dashboard.token'));
  const other = await fetch(`${server.url}api/v1/stats/overview?from=${PERIOD.from}&to=${PERIOD.to}&region=110105`,
    { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(other.status, 403);
  assert.deepEqual(problems, []);
  await page.close();
});

test('the log-in form speaks English too', async () => {
  const { page, problems } = await open(`?lang=en${hashOf('overview')}`, 'en-US');
  await page.waitForSelector('#login-form');
  assert.equal(await page.textContent('#login-form h2'), 'Log in to the city dashboard');
  assert.equal(await page.textContent('#login-submit'), 'Log in');
  await logIn(page, 'nobody', 'Wrong-Password-1');
  await page.waitForFunction(() => document.getElementById('login-error')?.textContent);
  assert.equal(await page.textContent('#login-error'), 'Invalid user name or password');
  assert.deepEqual(problems, []);
  await page.close();
});
