// The city energy dashboard (P-STAT-1, P-REG-1): overview, regions with the district map,
// industries and losses, for a period, a region and an energy kept in the URL hash.
// Reads the cloud's statistics API; docs/dashboard.md describes the pages and their sources.
// When the cloud requires a log-in ([cloud.access] required = true) a 401 shows the log-in form;
// a user limited to a region (a district's government account, …) is kept inside it: the region
// in the hash is narrowed to the user's, and the regions above it are not links.
import '../shared/base.css';
import './dashboard.css';
import { el } from '../shared/dom.js';
import { chooseLanguage, hasTranslation, makeTranslator, rememberLanguage } from '../shared/i18n.js';
import { getJson, login, logout, whoAmI } from './api.js';
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
let user = null;  // GET /me once logged in: {user, role, region, kind}
const regionNames = new Map();  // code → name, as the API spells it
const regionPoints = new Map();  // code → [longitude, latitude] when the region has coordinates

// Districts have names in both languages (i18n catalogs); below them the API's names are used.
function regionName(code, apiName) {
  if (!code) return t('region.city');
  if (code.length === 6 && hasTranslation(lang, `district.${code}`)) return t(`district.${code}`);
  return apiName ?? regionNames.get(code) ?? code;
}

// The region prefix the user is limited to; '' for the whole city (or no log-in).
function scope() {
  return user?.region ?? '';
}

function withinScope(s) {
  const own = scope();
  return own && !s.region.startsWith(own) ? { ...s, region: own } : s;
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
const userBox = el('span', { id: 'user', class: 'user' });

// The user's name and a log-out link while logged in.
function updateUser() {
  if (!user) {
    userBox.replaceChildren();
    return;
  }
  const out = el('a', { id: 'logout', href: '#' }, t('login.logout'));
  out.addEventListener('click', async (event) => {
    event.preventDefault();
    await logout();
    user = null;
    updateUser();
    await render();  // an open cloud keeps showing data; one that requires a log-in asks again
  });
  userBox.replaceChildren(el('span', { id: 'user-name' }, user.user), out);
}

// The log-in form, in place of the page, after the API answered 401.
function showLogin() {
  disposeCharts(body);
  const name = el('input', { id: 'login-user', name: 'user', autocomplete: 'username', required: '' });
  const password = el('input', { id: 'login-password', name: 'password', type: 'password',
    autocomplete: 'current-password', required: '' });
  const message = el('p', { id: 'login-error', class: 'login-error', role: 'alert' });
  const submit = el('button', { id: 'login-submit', type: 'submit' }, t('login.submit'));
  const form = el('form', { id: 'login-form', class: 'login' },
    el('h2', {}, t('login.title')),
    el('label', {}, el('span', { class: 'label' }, t('login.user')), name),
    el('label', {}, el('span', { class: 'label' }, t('login.password')), password),
    submit, message);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    message.textContent = '';
    submit.disabled = true;
    try {
      await login(name.value, password.value);
      user = await whoAmI();
      updateUser();
      await render();
    } catch (err) {
      password.value = '';
      message.textContent = err.status === 401 ? t('login.failed') : `${t('login.unavailable')} (${err.message})`;
      submit.disabled = false;
      password.focus();
    }
  });
  body.replaceChildren(form);
  name.focus();
}

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
    el('div', { class: 'spacer' }), userBox, toggle, el('a', { id: 'home', href: '/' }, t('dashboard.back')));
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
  // Regions above the user's scope are shown for orientation but cannot be opened.
  const above = (code) => code.length < scope().length;
  breadcrumb.replaceChildren(...crumbs.flatMap(([code, name], i) => {
    const last = i === crumbs.length - 1;
    const item = last ? el('span', { class: 'current', 'data-code': code }, name)
      : above(code) ? el('span', { class: 'above', 'data-code': code }, name)
      : el('a', { href: toHash({ ...state, region: code }), 'data-code': code }, name);
    return i === 0 ? [item] : [el('span', { class: 'sep' }, '›'), item];
  }));
}

async function render() {
  const asked = parseHash(window.location.hash, defaults);
  state = withinScope(asked);
  if (state !== asked) window.history.replaceState(null, '', toHash(state));
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
    if (isCurrent() && err.status === 401) {
      user = null;
      updateUser();
      showLogin();
    } else if (isCurrent()) {
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
  // A session of this tab (sessionStorage) survives a reload.
  user = await whoAmI().catch(() => null);
  updateUser();
  const initial = parseHash(window.location.hash, defaults);
  window.history.replaceState(null, '', toHash(initial));
  window.addEventListener('hashchange', render);
  await render();
}

main();
