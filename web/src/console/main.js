// The station console: yesterday's daily reading success per concentrator beside the standard's
// thresholds, and the open alarms. Reads the station API (docs/station.md).
import '../shared/base.css';
import { el } from '../shared/dom.js';
import { chooseLanguage, makeTranslator } from '../shared/i18n.js';

const lang = chooseLanguage();
const t = makeTranslator(lang);
document.documentElement.lang = lang;

// Yesterday in Beijing, as YYYY-MM-DD: the last complete collection day.
function beijingYesterday() {
  const now = new Date(Date.now() + 8 * 3600 * 1000 - 24 * 3600 * 1000);
  return now.toISOString().slice(0, 10);
}

function percent(read, meters) {
  if (!meters) return '–';
  return `${(100 * read / meters).toFixed(2)} %`;
}

function table(headers, rows, id) {
  const head = el('tr', {}, ...headers.map((h) => el('th', {}, h)));
  const body = rows.map((cells) => el('tr', {}, ...cells.map((c) => el('td', {}, String(c)))));
  return el('table', { id }, el('thead', {}, head), el('tbody', {}, ...body));
}

function successSection(data) {
  const rows = data.concentrators.map((c) => [c.concentrator, c.meters, c.read, percent(c.read, c.meters)]);
  rows.push([t('console.total'), data.all.meters, data.all.read, percent(data.all.read, data.all.meters)]);
  return el('section', {},
    el('h2', {}, t('console.success.heading')),
    el('p', {}, `${t('console.success.day')}: `, el('span', { id: 'day' }, data.day)),
    table([t('console.col.concentrator'), t('console.col.meters'), t('console.col.read'),
      t('console.col.success')], rows, 'success'),
    el('p', { class: 'note' }, t('console.thresholds')));
}

function alarmsSection(data) {
  if (!data.alarms.length) {
    return el('section', {}, el('h2', {}, t('console.alarms.heading')),
      el('p', { id: 'alarms-none' }, t('console.alarms.none')));
  }
  const rows = data.alarms.map((a) => [a.meter, t(`alarm.${a.kind}`), a.day]);
  return el('section', {}, el('h2', {}, t('console.alarms.heading')),
    table([t('console.col.meter'), t('console.col.kind'), t('console.col.day')], rows, 'alarms'));
}

async function getJson(path) {
  const response = await fetch(path, { headers: { Accept: 'application/json' } });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return response.json();
}

async function main() {
  document.title = t('console.title');
  const root = document.getElementById('app');
  const body = el('main', {}, el('p', {}, t('console.loading')));
  root.append(el('header', {}, el('h1', { id: 'title' }, t('console.title')),
    el('div', { class: 'spacer' }), el('a', { href: '/' }, t('console.back'))), body);
  try {
    const [success, alarms] = await Promise.all([
      getJson(`/api/v1/station/success?day=${beijingYesterday()}`),
      getJson('/api/v1/alarms?limit=20'),
    ]);
    body.replaceChildren(successSection(success), alarmsSection(alarms));
  } catch (err) {
    body.replaceChildren(el('p', { class: 'error' }, `${t('console.error')} (${err.message})`));
  }
}

main();
