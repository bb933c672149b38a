// The city energy dashboard (P-STAT-1, P-REG-1): overview, regions with the district map,
// industries and losses, for a period, a region and an energy kept in the URL hash.
// Reads the cloud's statistics API; docs/dashboard.md describes the pages and their sources.
import '../shared/base.css';
import './dashboard.css';
import { el } from '../shared/dom.js';
import { chooseLanguage, hasTranslation, makeTranslator, rememberLanguage } from '../shared/i18n.js';
import { getJson } from './api.js';
import { disposeCharts, setChartLanguage } from './charts.js';
import { defaultPeriod } from './dates.js';
import { industryPage } from './pages/industry.js';
import { lossesPage } from './pages/losses.js';
import { overviewPage } from './pages/overview.js';
import { regionsPage } from './pages/regions.js';
import { ENERGY_CHOICES, PAGES, parseHash, regionPath, toHash } from './state.js';

const lang = chooseLanguage();
const t = makeTranslator(lang);
document.documentElement.lang = lang;
setChartLanguage(lang);

const pages = { overview: overviewPage, regions: regionsPage, industry: industryPage, losses: lossesPage };

// For browser tests: `renders` counts completed views, `ready` is false while one is loading.
const dashboard = Object.assign(window.omniDashboard ?? {}, { renders: 0, ready: false });
window.omniDashboard = dashboard;

let defaults = null;
let state = null;
let started = 0;
const regionNames = new Map();  // code → name, as the API spells it
const regionPoints = new Map();  // code → [longitude, latitude] when the region has coordinates

// Districts have names in both languages (i18n catalogs); below them the API's names are used.
function regionName(code, apiName) {
  if (!code) return t('region.city');
  if (code.length === 6 && hasTranslation(lang, `district.${code}`)) return t(`district.${code}`);
  return apiName ?? regionNames.get(code) ?? code;
}

function navigate(change) {
  window.location.hash = toHash({ ...state, ...change });
}

// --- page frame ------------------------------------------------------------------------------

const navLinks = Object.fromEntries(PAGES.map((p) => [p, el('a', { id: `nav-${p}`, href: `#/${p}` }, t(`nav.${p}`))]));
const breadcrumb = el('nav', { id: 'breadcrumb', class: 'breadcrumb' });
const fromInput = el('input', { id: 'from', type: 'date', required: '' });
const toInput = el('input', { id: 'to', type: 'date', required: '' });
const energySelect = el('select', { id: 'energy' },
  ...ENERGY_CHOICES.map((e) => el('option', { value: e }, t(`energy.${e}`))));
const body = el('main', { id: 'page' });

function header() {
  const toggle = el('button', { id: 'lang-toggle', type: 'button' }, t('lang.switch'));
  toggle.addEventListener('click', () => {
    const next = lang === 'en' ? 'zh-CN' : 'en';
    rememberLanguage(next);
    const url = new URL(window.location.href);
    url.searchParams.set('lang', next);
    window.location.assign(url.toString());
  });
  return el('header', {},
    el('h1', { id: 'title' }, t('dashboard.title')),
    el('nav', { id: 'pages', class: 'pages' }, ...Object.values(navLinks)),
    el('div', { class: 'spacer' }), toggle, el('a', { id: 'home', href: '/' }, t('dashboard.back')));
}

function toolbar() {
  fromInput.addEventListener('change', () => { if (fromInput.value) navigate({ from: fromInput.value }); });
  toInput.addEventListener('change', () => { if (toInput.value) navigate({ to: toInput.value }); });
  energySelect.addEventListener('change', () => navigate({ energy: energySelect.value }));
  return el('div', { id: 'toolbar', class: 'toolbar' },
    el('span', { class: 'field' }, el('span', { class: 'label' }, t('toolbar.region')), breadcrumb),
    el('label', { class: 'field' }, el('span', { class: 'label' }, t('toolbar.period')), fromInput,
      el('span', {}, t('toolbar.to')), toInput),
    el('label', { class: 'field' }, el('span', { class: 'label' }, t('toolbar.energy')), energySelect));
}

function updateFrame() {
  fromInput.value = state.from;
  toInput.value = state.to;
  energySelect.value = state.energy;
  for (const [p, a] of Object.entries(navLinks)) {
    a.href = toHash({ ...state, page: p });
    a.classList.toggle('active', p === state.page);
  }
}

// Names of the regions from the city down to `code` that are not known yet (GET /regions/{code};
// a code the cloud does not know keeps showing as its code).
async function loadRegionNames(code) {
  const unknown = regionPath(code).filter((c) => !regionNames.has(c));
  const found = await Promise.all(unknown.map((c) => getJson(`regions/${c}`).catch(() => null)));
  for (const r of found) {
    if (!r) continue;
    regionNames.set(r.code, r.name);
    if (Number.isFinite(r.latitude) && Number.isFinite(r.longitude)) regionPoints.set(r.code, [r.longitude, r.latitude]);
  }
}

// City › district › street › community › building, each a link to that level.
async function renderBreadcrumb(namesReady, isCurrent) {
  const path = regionPath(state.region);
  await namesReady;
  if (!isCurrent()) return;
  const crumbs = [['', t('region.city')], ...path.map((c) => [c, regionName(c)])];
  breadcrumb.replaceChildren(...crumbs.flatMap(([code, name], i) => {
    const last = i === crumbs.length - 1;
    const item = last ? el('span', { class: 'current', 'data-code': code }, name)
      : el('a', { href: toHash({ ...state, region: code }), 'data-code': code }, name);
    return i === 0 ? [item] : [el('span', { class: 'sep' }, '›'), item];
  }));
}

async function render() {
  state = parseHash(window.location.hash, defaults);
  const token = ++started;
  const isCurrent = () => token === started;
  dashboard.ready = false;
  updateFrame();
  document.title = `${t(`nav.${state.page}`)} · ${t('dashboard.title')}`;
  disposeCharts(body);
  body.replaceChildren(el('p', { class: 'loading' }, t('dashboard.loading')));
  // Pages that show the name of the region in focus wait for namesReady.
  const namesReady = loadRegionNames(state.region);
  const regionPoint = (code) => regionPoints.get(code) ?? null;
  const ctx = { t, lang, state, navigate, regionName, regionPoint, isCurrent, body, namesReady };
  try {
    await Promise.all([pages[state.page](ctx), renderBreadcrumb(namesReady, isCurrent)]);
  } catch (err) {
    if (isCurrent()) {
      disposeCharts(body);
      body.replaceChildren(el('p', { class: 'error', id: 'error' }, `${t('dashboard.error')} (${err.message})`));
    }
  }
  if (isCurrent()) {
    dashboard.renders += 1;
    dashboard.ready = true;
  }
}

async function main() {
  document.title = t('dashboard.title');
  document.getElementById('app').append(header(), toolbar(), body,
    el('footer', {}, el('a', { href: '/licenses/' }, t('dashboard.licenses'))));
  let info = null;
  try {
    info = await getJson('info');
  } catch {
    // Without /info the dashboard still works: the default period is then last month.
  }
  defaults = defaultPeriod(info?.data);
  const initial = parseHash(window.location.hash, defaults);
  window.history.replaceState(null, '', toHash(initial));
  window.addEventListener('hashchange', render);
  await render();
}

main();
