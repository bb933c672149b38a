// Browser test of the city dashboard (P-STAT-1, P-REG-1) against the real cloud.
//
// The test builds a small city (3 districts, 6 communities with supply meters, households with
// all four energies, a few businesses), sends 40 days of daily register values to the cloud
// through its exchange API as batches (docs/exchange-format.md), computes the expected figures
// from the same city, and checks that each page of the dashboard shows them: the overview cards,
// the map's value per district, the drill-down, the community ranking, the loss ranking, the
// industries and the English labels. Screenshots of each page go to the e2e artefacts.
//
// Every meter uses the same amount every day, so a period's usage is days × daily rate whichever
// day a cloud credits the step between two midnight readings to, as long as the period lies
// inside the data (October 2026 here: readings from 25 September to 3 November).
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { artifactPath, launchBrowser, startOmnimeter, tempDir } from './harness.mjs';

// The SM3 of batch digests from an independent implementation (tests/node, see harness.mjs for
// the same createRequire pattern with playwright-core).
const { sm3 } = createRequire(new URL('../node/package.json', import.meta.url))('sm-crypto');

// ---------------------------------------------------------------------------------------------
// The city

const STATION = 'e2e-city';
const FIRST_READING = '2026-09-25';  // readings at 00:00 Beijing time of 40 consecutive days
const DAYS = 40;
const PERIOD = { from: '2026-10-01', to: '2026-10-31', days: 31 };  // the last full month

// Daily rates are whole hundredths of the unit, so every sum below is exact.
const ENERGIES = {
  electricity: { digit: '1', unit: 'kWh', type: '40', base: 850, step: 37 },
  water: { digit: '2', unit: 'm3', type: '10', base: 30, step: 3 },
  gas: { digit: '3', unit: 'm3', type: '30', base: 90, step: 7 },
  heat: { digit: '4', unit: 'GJ', type: '20', base: 11, step: 2 },
};
const KINDS = Object.keys(ENERGIES);

// Supply meters (room 0000) of each community for these energies; `loss` is the share of the
// supply that never reaches a sub-meter. 望京西园's electricity loss is the largest.
const CITY = [
  { code: '110105', name: '朝阳区', streets: [
    { code: '110105010', name: '望京街道', communities: [
      { code: '110105010001', name: '望京西园社区', lat: 39.9978, lon: 116.4702, households: 4, industry: 'I', loss: 0.12 },
      { code: '110105010002', name: '花家地社区', lat: 39.9846, lon: 116.4621, households: 3, industry: 'F', loss: 0.04 },
    ] },
    { code: '110105001', name: '建外街道', communities: [
      { code: '110105001001', name: '建外社区', lat: 39.9087, lon: 116.4452, households: 2, industry: 'J', loss: 0.05 },
    ] },
  ] },
  { code: '110108', name: '海淀区', streets: [
    { code: '110108002', name: '中关村街道', communities: [
      { code: '110108002001', name: '中关村社区', lat: 39.9836, lon: 116.3163, households: 5, industry: 'M', loss: 0.06 },
    ] },
    { code: '110108001', name: '万寿路街道', communities: [
      { code: '110108001001', name: '万寿路社区', lat: 39.9075, lon: 116.2958, households: 3, industry: 'P', loss: 0.03 },
    ] },
  ] },
  { code: '110101', name: '东城区', streets: [
    { code: '110101001', name: '东华门街道', communities: [
      { code: '110101001001', name: '东华门社区', lat: 39.9147, lon: 116.4036, households: 2, industry: 'H', loss: 0.08 },
    ] },
  ] },
];
const SUPPLIED = ['electricity', 'water'];
const COMMUNITIES = CITY.flatMap((d) => d.streets.flatMap((s) => s.communities));

const pad = (n, width) => String(n).padStart(width, '0');

// ISO/IEC 7064 MOD 11,10, as the base information code's check digit.
function checkDigit(digits) {
  let p = 10;
  for (const c of digits) {
    let s = (p + Number(c)) % 10;
    if (s === 0) s = 10;
    p = (2 * s) % 11;
  }
  return String((11 - p) % 10);
}

// 26 digits: community (12) building (4) unit (2) room (4) energy (1) sequence (2) check (1).
function baseCode(community, building, unit, room, energy) {
  const digits = `${community}${pad(building, 4)}${pad(unit, 2)}${pad(room, 4)}${ENERGIES[energy].digit}01`;
  return digits + checkDigit(digits);
}

function buildCity() {
  const meters = [];
  let i = 0;
  const add = (m) => {
    i += 1;
    const e = ENERGIES[m.energy];
    meters.push({
      rate: e.base + ((i * 7919) % 23) * e.step,  // hundredths per day
      start: 100_000 + i * 1_234,                 // hundredths
      address: pad(100_000_000_000 + i, 12),
      remote: i % 7 !== 0,                        // every 7th meter is read by hand
      ...m,
    });
  };
  for (const d of CITY) {
    for (const s of d.streets) {
      for (const c of s.communities) {
        const where = { district: d.code, street: s.code, community: c.code, supply: false };
        const supplyCode = (energy) => (SUPPLIED.includes(energy) ? baseCode(c.code, 0, 0, 0, energy) : '');
        for (const building of [1, 2]) {
          for (let h = 0; h < c.households; h += 1) {
            const unit = 1 + (h % 2);
            const room = 100 * (1 + Math.floor(h / 2)) + 1 + (h % 2);
            for (const energy of KINDS) {
              add({ ...where, building, energy, customer: 'R', industry: '',
                code: baseCode(c.code, building, unit, room, energy), parent: supplyCode(energy) });
            }
          }
        }
        // One business per community, in building 1, on the ground floor without a unit.
        for (const energy of ['electricity', 'water', 'gas']) {
          add({ ...where, building: 1, energy, customer: 'N', industry: c.industry,
            code: baseCode(c.code, 1, 0, 1, energy), parent: supplyCode(energy) });
        }
        for (const energy of SUPPLIED) {
          const children = meters.filter((m) => m.parent === supplyCode(energy));
          const sum = children.reduce((a, m) => a + m.rate, 0);
          const loss = energy === 'electricity' ? c.loss : c.loss / 2;
          add({ ...where, building: 0, energy, customer: 'N', industry: 'D', supply: true,
            code: supplyCode(energy), parent: '', rate: Math.round(sum / (1 - loss)) });
        }
      }
    }
  }
  return meters;
}

const METERS = buildCity();
const USERS = METERS.filter((m) => !m.supply);

// Expected usage over PERIOD, in the unit, of the user meters that pass `keep`.
function usage(keep) {
  return USERS.filter(keep).reduce((a, m) => a + m.rate, 0) * PERIOD.days / 100;
}

// ---------------------------------------------------------------------------------------------
// Batches (docs/exchange-format.md)

function dayPlus(iso, n) {
  return new Date(Date.parse(`${iso}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

// 00:00 Beijing time of a calendar day, in UTC.
function beijingMidnight(iso) {
  return `${dayPlus(iso, -1)}T16:00:00Z`;
}

const hundredths = (n) => `${Math.floor(n / 100)}.${pad(n % 100, 2)}`;

function batch(sequence, lines) {
  const body = lines.map((l) => `${l}\n`).join('');
  const digest = sm3(Array.from(Buffer.from(body, 'utf8')));
  const created = `${new Date().toISOString().slice(0, 19)}Z`;
  return `OMX|1|${STATION}|${sequence}|${created}|${lines.length}|${digest}\n${body}`;
}

function cityBatches() {
  const regions = ['R|1101|city|北京市||'];
  for (const d of CITY) {
    regions.push(`R|${d.code}|district|${d.name}||`);
    for (const s of d.streets) {
      regions.push(`R|${s.code}|street|${s.name}||`);
      for (const c of s.communities) {
        regions.push(`R|${c.code}|community|${c.name}|${c.lat}|${c.lon}`);
        for (const b of [1, 2]) regions.push(`R|${c.code}${pad(b, 4)}|building|${b}号楼||`);
      }
    }
  }
  const points = METERS.map((m) => ['B', m.code, m.address, m.parent, m.customer, m.industry, '0',
    m.remote ? '1' : '0', ENERGIES[m.energy].type, '1', '2025-01-01T00:00:00Z', ''].join('|'));
  const batches = [batch(1, [...regions, ...points])];
  // Readings, ten days a batch.
  for (let first = 0; first < DAYS; first += 10) {
    const lines = [];
    for (let k = first; k < Math.min(DAYS, first + 10); k += 1) {
      const at = beijingMidnight(dayPlus(FIRST_READING, k));
      for (const m of METERS) {
        lines.push(`E|${m.code}|${at}|${hundredths(m.start + k * m.rate)}|${ENERGIES[m.energy].unit}|${ENERGIES[m.energy].type}|0`);
      }
    }
    batches.push(batch(batches.length + 1, lines));
  }
  // Coverage counts (P-STAT-7) of every day with usage: installed and remotely read meters.
  const coverage = [];
  const groups = new Map();
  for (const m of USERS) {
    const key = `${m.energy}|${m.industry}`;
    const g = groups.get(key) ?? { energy: m.energy, industry: m.industry, installed: 0, online: 0 };
    g.installed += 1;
    g.online += m.remote ? 1 : 0;
    groups.set(key, g);
  }
  for (let k = 0; k < DAYS - 1; k += 1) {
    for (const g of groups.values()) {
      coverage.push(`V|${dayPlus(FIRST_READING, k)}|${ENERGIES[g.energy].digit}|${g.industry}|${g.installed}|${g.online}`);
    }
  }
  batches.push(batch(batches.length + 1, coverage));
  return { batches, coverage: [...groups.values()] };
}

// ---------------------------------------------------------------------------------------------
// The cloud and the browser

let server;
let browser;
let dir;
let coverageGroups;

before(async () => {
  // The helper's own check: the example of docs/exchange-format.md and src/exchange/records.hpp.
  assert.equal(checkDigit('1101050030120021020301101'), '8');

  dir = tempDir('omni-e2e-dashboard-');
  const config = join(dir, 'cloud.toml');
  writeFileSync(config, `[database]
path = "${join(dir, 'cloud.db')}"

[cloud.http]
port = 0
web_root = "${process.env.OMNI_WEB_ROOT}"
`);
  server = await startOmnimeter(['cloud', '-c', config]);
  const { batches, coverage } = cityBatches();
  coverageGroups = coverage;
  for (const text of batches) {
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

const dashboardUrl = (hash = '') => `${server.url}dashboard/${hash}`;
const hashOf = (page, extra = '') => `#/${page}?from=${PERIOD.from}&to=${PERIOD.to}${extra}`;

// The dashboard counts finished views in window.omniDashboard.renders; ready is false while one
// is loading.
async function waitRendered(page, after) {
  await page.waitForFunction((n) => window.omniDashboard?.ready && window.omniDashboard.renders > n,
    after, { timeout: 15_000 });
}

async function rendering(page, action) {
  const n = await page.evaluate(() => window.omniDashboard.renders);
  await action();
  await waitRendered(page, n);
}

async function openDashboard(hash = '', locale = 'zh-CN') {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 }, locale });
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`console: ${m.text()}`); });
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
  // Everything, the map included, comes from the cloud itself: no CDN, no tile server.
  page.on('request', (r) => { if (!r.url().startsWith(server.url)) problems.push(`external request: ${r.url()}`); });
  await page.goto(dashboardUrl(hash));
  await waitRendered(page, 0);
  return { page, problems };
}

async function finish(page, problems, screenshot) {
  assert.equal(await page.locator('.error').count(), 0, await page.locator('.error').allTextContents().then(String));
  await page.waitForTimeout(400);  // the charts' 300 ms animations
  await page.screenshot({ path: artifactPath(screenshot), fullPage: true });
  assert.deepEqual(problems, []);
  await page.close();
}

// Rows of a table as { id, cells }.
function tableRows(page, id) {
  return page.$$eval(`#${id} tbody tr`, (trs) => trs.map((tr) => ({
    id: tr.dataset.id, cells: [...tr.cells].map((td) => td.textContent.trim()),
  })));
}

// The parts of a chart's option the test reads (options also hold formatter functions).
function chartSeries(page, id) {
  return page.evaluate((chartId) => {
    const chart = window.omniDashboard.getInstanceByDom(document.getElementById(chartId));
    const option = chart.getOption();
    return {
      series: option.series.map((s) => ({ id: s.id, type: s.type, data: s.data })),
      visualMap: (option.visualMap ?? []).map((v) => ({ colors: v.inRange?.color })),
    };
  }, id);
}

const number = (text) => Number(text.replace(/[^\d.-]/g, ''));

function assertClose(actual, expected, what) {
  assert.ok(Math.abs(actual - expected) <= 0.006 + 1e-9 * Math.abs(expected),
    `${what}: ${actual}, expected ${expected}`);
}

// ---------------------------------------------------------------------------------------------

test('the overview shows each energy\'s usage, coal equivalent and user base for the last full month', async () => {
  const { page, problems } = await openDashboard();
  assert.equal(await page.textContent('#title'), '城市能源驾驶舱');
  assert.equal(await page.inputValue('#from'), PERIOD.from, 'the default period is the last full month with data');
  assert.equal(await page.inputValue('#to'), PERIOD.to);
  assert.match(page.url(), /#\/overview\?from=2026-10-01&to=2026-10-31/, 'the state is in the hash');

  let totalKgce = 0;
  for (const energy of KINDS) {
    const card = page.locator(`#card-${energy}`);
    const expected = usage((m) => m.energy === energy);
    assertClose(number(await card.locator('.usage .value').textContent()), expected, `${energy} usage`);
    const kgce = number(await card.locator('.kgce').textContent());
    if (energy === 'electricity') {
      // GB/T 2589 calorific equivalent of electricity: 0.1229 kgce/kWh.
      assert.ok(Math.abs(kgce - expected * 0.1229) < 0.01, `electricity kgce ${kgce}`);
    }
    totalKgce += kgce;
    const residential = USERS.filter((m) => m.energy === energy && m.customer === 'R').length;
    const business = USERS.filter((m) => m.energy === energy && m.customer === 'N').length;
    assert.equal(await card.locator('.points').textContent(), `${residential} / ${business}`, `${energy} users`);
  }
  assertClose(number(await page.textContent('#total-kgce')), totalKgce, 'total kgce');

  // The energy mix pie is in kgce; the trend is one point a day at the city's daily total.
  const mix = await chartSeries(page, 'chart-mix');
  assert.equal(mix.series[0].data.length, 4);
  assertClose(mix.series[0].data.reduce((a, d) => a + d.value, 0), totalKgce, 'pie total');
  const trend = await chartSeries(page, 'chart-trend');
  const daily = USERS.filter((m) => m.energy === 'electricity').reduce((a, m) => a + m.rate, 0) / 100;
  assert.equal(trend.series[0].data.length, PERIOD.days);
  for (const v of trend.series[0].data) assertClose(v, daily, 'daily electricity');

  // Coverage of October per energy and industry: the share of meters read remotely (the counts
  // may be per day or summed over the month's days; the ratio is the same).
  const coverage = await tableRows(page, 'table-coverage');
  assert.deepEqual(coverage.map((r) => r.id).sort(),
    coverageGroups.map((g) => `${g.energy}:${g.industry || 'household'}`).sort());
  for (const g of coverageGroups) {
    const row = coverage.find((r) => r.id === `${g.energy}:${g.industry || 'household'}`);
    assert.equal(row.cells[4], `${(100 * g.online / g.installed).toFixed(2)} %`, row.id);
  }
  await finish(page, problems, 'dashboard-overview-zh.png');
});

// Expected usage of each region at a level, for an energy.
function byRegion(level, energy, parent = '') {
  const out = new Map();
  for (const m of USERS) {
    if (m.energy !== energy || !m[level].startsWith(parent)) continue;
    out.set(m[level], (out.get(m[level]) ?? 0) + m.rate * PERIOD.days / 100);
  }
  return out;
}

test('the map colours every district by usage and a click drills down to streets and communities', async () => {
  const { page, problems } = await openDashboard(hashOf('overview'));
  await rendering(page, () => page.click('#nav-regions'));

  for (const energy of ['electricity', 'water']) {
    if (energy !== 'electricity') await rendering(page, () => page.selectOption('#energy', energy));
    const map = await chartSeries(page, 'chart-map');
    // ECharts lists every district of the map; those without data have no value.
    const values = new Map(map.series[0].data.filter((d) => Number.isFinite(d.value)).map((d) => [d.name, d.value]));
    const expected = byRegion('district', energy);
    assert.deepEqual([...values.keys()].sort(), [...expected.keys()].sort());
    for (const [code, v] of expected) assertClose(values.get(code), v, `${energy} of ${code}`);
    assert.deepEqual(map.visualMap[0].colors, ['#fff3e0', '#ffb74d', '#f4511e', '#bf360c'], 'orange-red, darker = more');
  }
  await rendering(page, () => page.selectOption('#energy', 'electricity'));
  await page.waitForTimeout(400);
  await page.screenshot({ path: artifactPath('dashboard-regions-zh.png'), fullPage: true });

  // Click 朝阳区 on the map itself, at a point inside it away from the community markers.
  const box = await page.locator('#chart-map').boundingBox();
  const [x, y] = await page.evaluate(() => window.omniDashboard
    .getInstanceByDom(document.getElementById('chart-map')).convertToPixel({ geoIndex: 0 }, [116.56, 39.93]));
  await rendering(page, () => page.mouse.click(box.x + x, box.y + y));
  assert.equal(await page.textContent('#breadcrumb .current'), '朝阳区');
  assert.match(page.url(), /region=110105/);
  const streets = await tableRows(page, 'table-children');
  const expectedStreets = [...byRegion('street', 'electricity', '110105')].sort((a, b) => b[1] - a[1]);
  assert.deepEqual(streets.map((r) => r.id), expectedStreets.map(([code]) => code));
  streets.forEach((r, i) => assertClose(number(r.cells[3]), expectedStreets[i][1], r.id));
  assert.equal(streets[0].cells[1], '望京街道');
  const ranking = await tableRows(page, 'table-ranking');
  assert.deepEqual(ranking.map((r) => r.id).sort(), COMMUNITIES.filter((c) => c.code.startsWith('110105')).map((c) => c.code).sort());

  // A street row leads to its communities.
  await rendering(page, () => page.click('#table-children tr[data-id="110105010"]'));
  assert.equal(await page.textContent('#breadcrumb .current'), '望京街道');
  assert.match(await page.textContent('#regions-trend h2'), /望京街道/);
  const communities = await tableRows(page, 'table-children');
  const expectedCommunities = [...byRegion('community', 'electricity', '110105010')].sort((a, b) => b[1] - a[1]);
  assert.deepEqual(communities.map((r) => r.id), expectedCommunities.map(([code]) => code));
  communities.forEach((r, i) => assertClose(number(r.cells[3]), expectedCommunities[i][1], r.id));
  assert.deepEqual(communities.map((r) => r.cells[1]), expectedCommunities.map(([code]) => COMMUNITIES.find((c) => c.code === code).name));
  // Communities with coordinates are points on the map.
  const map = await chartSeries(page, 'chart-map');
  assert.deepEqual(map.series[1].data.map((d) => d.name).sort(), expectedCommunities.map(([code]) => code).sort());
  await finish(page, problems, 'dashboard-regions-street-zh.png');
});

test('the ranking lists the communities of the city by usage', async () => {
  const { page, problems } = await openDashboard(hashOf('regions', '&energy=gas'));
  const rows = await tableRows(page, 'table-ranking');
  const expected = [...byRegion('community', 'gas')].sort((a, b) => b[1] - a[1]);
  assert.deepEqual(rows.map((r) => r.id), expected.map(([code]) => code));
  rows.forEach((r, i) => {
    assert.equal(r.cells[0], String(i + 1));
    assertClose(number(r.cells[4]), expected[i][1], r.id);
  });
  // The same table as CSV (UTF-8 with a byte order mark, for Excel) and as XLSX.
  const csv = await fetch(new URL(await page.getAttribute('#ranking-csv', 'href'), server.url));
  assert.equal(csv.status, 200);
  const bytes = new Uint8Array(await csv.arrayBuffer());
  assert.deepEqual([...bytes.slice(0, 3)], [0xef, 0xbb, 0xbf]);
  assert.match(new TextDecoder().decode(bytes), /望京西园社区/);
  const xlsx = await fetch(new URL(await page.getAttribute('#ranking-xlsx', 'href'), server.url));
  assert.equal(xlsx.status, 200);
  assert.equal(Buffer.from(await xlsx.arrayBuffer()).subarray(0, 2).toString(), 'PK', 'an XLSX is a zip');
  await finish(page, problems, 'dashboard-ranking-gas-zh.png');
});

test('the loss ranking puts the supply meter with the largest loss first', async () => {
  const { page, problems } = await openDashboard(hashOf('losses'));
  const rows = await tableRows(page, 'table-losses-electricity');
  const supplies = METERS.filter((m) => m.supply && m.energy === 'electricity').map((s) => {
    const children = METERS.filter((m) => m.parent === s.code).reduce((a, m) => a + m.rate, 0);
    return { code: s.code, supply: s.rate * PERIOD.days / 100, rate: (s.rate - children) / s.rate };
  }).sort((a, b) => b.rate - a.rate);
  assert.equal(rows[0].id, baseCode('110105010001', 0, 0, 0, 'electricity'), '望京西园 loses 12 %');
  assert.deepEqual(rows.map((r) => r.id), supplies.map((s) => s.code));
  rows.forEach((r, i) => {
    assertClose(number(r.cells[3]), supplies[i].supply, `supply of ${r.id}`);
    assert.equal(r.cells[6], `${(supplies[i].rate * 100).toFixed(2)} %`, `loss rate of ${r.id}`);
  });
  assert.equal(rows[0].cells[6], '12.00 %');
  await finish(page, problems, 'dashboard-losses-zh.png');
});

test('the industry page shows totals and shares per industry and households', async () => {
  const { page, problems } = await openDashboard(hashOf('industry'));
  const rows = await tableRows(page, 'table-industries');
  const expected = new Map([['household', usage((m) => m.energy === 'electricity' && m.customer === 'R')]]);
  for (const c of COMMUNITIES) expected.set(c.industry, usage((m) => m.energy === 'electricity' && m.industry === c.industry));
  assert.deepEqual(rows.map((r) => r.id).sort(), [...expected.keys()].sort());
  const total = [...expected.values()].reduce((a, v) => a + v, 0);
  for (const r of rows) {
    assertClose(number(r.cells[3]), expected.get(r.id), `industry ${r.id}`);
    assert.equal(r.cells[4], `${(100 * expected.get(r.id) / total).toFixed(2)} %`, `share of ${r.id}`);
  }
  assert.equal(rows.find((r) => r.id === 'household').cells[1], '居民');
  const pie = await chartSeries(page, 'chart-industry-pie');
  assertClose(pie.series[0].data.reduce((a, d) => a + d.value, 0), total, 'pie total');
  await finish(page, problems, 'dashboard-industry-zh.png');
});

test('a shared link opens the same view, and the English switch changes the labels', async () => {
  const { page, problems } = await openDashboard(hashOf('regions', '&energy=water&region=110108'));
  assert.equal(await page.inputValue('#energy'), 'water');
  assert.equal(await page.textContent('#breadcrumb .current'), '海淀区');
  const streets = await tableRows(page, 'table-children');
  const expected = [...byRegion('street', 'water', '110108')].sort((a, b) => b[1] - a[1]);
  assert.deepEqual(streets.map((r) => r.id), expected.map(([code]) => code));
  streets.forEach((r, i) => assertClose(number(r.cells[3]), expected[i][1], r.id));
  // The trend of the district: one point a day at its daily water usage.
  const trend = await chartSeries(page, 'chart-region-trend');
  const daily = USERS.filter((m) => m.energy === 'water' && m.district === '110108').reduce((a, m) => a + m.rate, 0) / 100;
  assert.equal(trend.series[0].data.length, PERIOD.days);
  for (const v of trend.series[0].data) assertClose(v, daily, 'daily water of 海淀区');

  await Promise.all([page.waitForURL(/lang=en/), page.click('#lang-toggle')]);
  await waitRendered(page, 0);
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  assert.equal(await page.textContent('#title'), 'City Energy Dashboard');
  assert.equal(await page.textContent('#nav-regions'), 'Regions');
  assert.equal(await page.textContent('#breadcrumb a'), 'Whole city');
  assert.equal(await page.textContent('#breadcrumb .current'), 'Haidian', 'districts have English names');
  assert.equal(await page.inputValue('#energy'), 'water', 'the view is kept');
  assert.match(await page.textContent('#regions-children h2'), /^Streets and towns$/);
  await page.click('#nav-overview');
  await waitRendered(page, 1);
  assert.equal(await page.textContent('#card-electricity h3'), 'Electricity');
  await finish(page, problems, 'dashboard-overview-en.png');
});
