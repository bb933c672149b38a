// The landing page: what this omnimeter is, whether its parts run, and where the applications
// are. Reads GET /api/v1/info.
import '../shared/base.css';
import { el } from '../shared/dom.js';
import { chooseLanguage, makeTranslator, rememberLanguage } from '../shared/i18n.js';

const lang = chooseLanguage();
const t = makeTranslator(lang);
document.documentElement.lang = lang;

// Times arrive in UTC (ISO 8601); people in Beijing read them in Asia/Shanghai.
function beijingTime(iso) {
  const fmt = new Intl.DateTimeFormat(lang, {
    timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false,
  });
  return fmt.format(new Date(iso));
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
    el('div', {}, el('h1', { id: 'title' }, t('app.title')), el('p', {}, t('app.subtitle'))),
    el('div', { class: 'spacer' }), toggle);
}

function statusSection(info) {
  const rows = [
    ['status.version', info.version, 'version'],
    ['status.started', beijingTime(info.started_at), 'started'],
    ['status.database', info.database, 'database'],
    ['status.installation', info.installation_id, 'installation'],
  ];
  const dl = el('dl');
  for (const [key, value, id] of rows) dl.append(el('dt', {}, t(key)), el('dd', { id }, value));
  return el('section', { id: 'status' }, el('h2', {}, t('status.heading')), dl);
}

function componentsSection(info) {
  const list = el('ul', { id: 'components' });
  for (const c of info.components) {
    list.append(el('li', { 'data-component': c.name },
      el('span', {}, t(`component.${c.name}`)),
      el('span', { class: `state-${c.state}` }, t(`state.${c.state}`))));
  }
  return el('section', {}, el('h2', {}, t('components.heading')), list);
}

function appsSection(info) {
  const running = new Set(info.components
    .filter((c) => c.state === 'ready' || c.state === 'running').map((c) => c.name));
  // [label, component it needs, where it is served (null: not built yet), element id]
  const apps = [['apps.dashboard', 'cloud', '/dashboard/', 'app-dashboard'],
    ['apps.resident', 'cloud', null, 'app-resident'],
    ['apps.console', 'station', '/console/', 'app-station']];
  const list = el('ul', { id: 'apps' });
  for (const [key, needs, href, id] of apps) {
    const available = running.has(needs) && href;
    const name = available ? el('a', { href, id }, t(key)) : el('span', {}, t(key));
    const state = available ? t('state.ready') : t('apps.unavailable');
    list.append(el('li', {}, name,
      el('span', { class: available ? 'state-ready' : 'state-not_started' }, state)));
  }
  return el('section', {}, el('h2', {}, t('apps.heading')), list);
}

async function main() {
  document.title = t('app.title');
  const root = document.getElementById('app');
  const body = el('main', {}, el('section', { id: 'status' }, t('status.loading')));
  root.append(header(), body, el('footer', {}, t('footer.standard')));
  try {
    const response = await fetch('/api/v1/info', { headers: { Accept: 'application/json' } });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const info = await response.json();
    body.replaceChildren(statusSection(info), componentsSection(info), appsSection(info));
  } catch (err) {
    body.replaceChildren(el('section', { id: 'status' },
      el('p', { class: 'error' }, `${t('status.error')} (${err.message})`)));
  }
}

main();
