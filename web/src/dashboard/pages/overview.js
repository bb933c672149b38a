// Overview (P-STAT-1…5, 7): per energy the usage, its standard-coal equivalent and share,
// month-on-month and year-on-year change and the user base; the energy mix; a usage trend; and
// the month's remote-reading coverage per energy and industry.
import { el } from '../../shared/dom.js';
import { formatChange, formatNumber, formatPercent, unitLabel } from '../../shared/format.js';
import { getJson } from '../api.js';
import { ENERGY_COLORS, chartBox, disposeCharts, draw, trendOption } from '../charts.js';
import { ENERGIES } from '../state.js';
import { dataTable, exportLinks, granularityPicker, section, wide } from '../widgets.js';

function change(t, lang, key, fraction) {
  const c = formatChange(lang, fraction);
  const cls = c.sign > 0 ? 'up' : c.sign < 0 ? 'down' : 'flat';
  return [el('dt', {}, t(key)),
    el('dd', { class: `${key.split('.')[1]} ${cls}` }, c.arrow ? `${c.arrow} ${c.text}` : c.text)];
}

function card(ctx, energy, row) {
  const { t, lang } = ctx;
  const usage = row?.usage ?? 0;
  return el('article', { id: `card-${energy}`, class: `card energy-${energy}`, 'data-energy': energy },
    el('h3', {}, t(`energy.${energy}`)),
    el('p', { class: 'usage' },
      el('span', { class: 'value', 'data-value': String(usage) }, formatNumber(lang, usage)),
      ' ', el('span', { class: 'unit' }, unitLabel(row?.unit))),
    el('dl', {},
      el('dt', {}, t('overview.kgce')),
      el('dd', { class: 'kgce', 'data-value': String(row?.kgce ?? 0) },
        `${formatNumber(lang, row?.kgce ?? 0)} kgce`),
      el('dt', {}, t('overview.share')),
      el('dd', { class: 'share' }, formatPercent(lang, row?.share ?? 0)),
      ...change(t, lang, 'overview.mom', row?.mom),
      ...change(t, lang, 'overview.yoy', row?.yoy),
      el('dt', {}, t('overview.users')),
      el('dd', { class: 'points' },
        `${formatNumber(lang, row?.residential ?? 0, 0)} / ${formatNumber(lang, row?.non_residential ?? 0, 0)}`)));
}

export async function overviewPage(ctx) {
  const { t, lang, state, body } = ctx;
  const where = { from: state.from, to: state.to, region: state.region };
  const month = state.to.slice(0, 7);
  const [overview, series, coverage] = await Promise.all([
    getJson('stats/overview', where),
    getJson('stats/series', { energy: state.energy, granularity: state.granularity, ...where }),
    getJson('stats/coverage', { month, region: state.region }),
  ]);
  if (!ctx.isCurrent()) return;

  const byEnergy = Object.fromEntries(overview.energies.map((e) => [e.energy, e]));
  const mix = chartBox('chart-mix');
  const trend = chartBox('chart-trend');
  const coverageRows = [...coverage.rows].sort((a, b) =>
    ENERGIES.indexOf(a.energy) - ENERGIES.indexOf(b.energy) || a.industry.localeCompare(b.industry));
  const industryName = (code) => t(`industry.${code === ' ' || !code ? 'household' : code}`);

  disposeCharts(body);
  body.replaceChildren(
    wide(section('overview-cards', t('overview.cards'),
      el('p', { class: 'total' }, `${t('overview.total')}: `,
        el('strong', { id: 'total-kgce', 'data-value': String(overview.total_kgce ?? 0) },
          formatNumber(lang, overview.total_kgce ?? 0)), ' kgce'),
      el('div', { class: 'cards' }, ...ENERGIES.map((e) => card(ctx, e, byEnergy[e]))))),
    section('overview-mix', t('overview.mix'), mix),
    section('overview-trend', `${t('overview.trend')} · ${t(`energy.${state.energy}`)}`,
      granularityPicker(t, state), trend),
    wide(section('overview-coverage', `${t('overview.coverage')} · ${month}`,
      exportLinks(t, 'coverage', 'stats/coverage', { month, region: state.region }),
      dataTable('table-coverage', [
        { label: t('col.energy'), value: (r) => t(`energy.${r.energy}`) },
        { label: t('col.industry'), value: (r) => industryName(r.industry) },
        { label: t('col.installed'), numeric: true, value: (r) => formatNumber(lang, r.installed, 0) },
        { label: t('col.online'), numeric: true, value: (r) => formatNumber(lang, r.online, 0) },
        // The ratio from the counts themselves: no doubt whether it is a fraction or a percentage.
        { label: t('col.ratio'), numeric: true,
          value: (r) => (r.installed ? formatPercent(lang, r.online / r.installed) : '–') },
      ], coverageRows, { rowId: (r) => `${r.energy}:${r.industry === ' ' ? 'household' : r.industry}` }))));

  draw(mix, {
    tooltip: { trigger: 'item', valueFormatter: (v) => `${formatNumber(lang, v)} kgce` },
    legend: { bottom: 0 },
    series: [{
      id: 'mix', type: 'pie', radius: ['35%', '68%'],
      label: { formatter: (p) => `${p.name}\n${formatPercent(lang, p.percent / 100, 1)}` },
      data: ENERGIES.filter((e) => byEnergy[e]).map((e) => ({
        name: t(`energy.${e}`), value: byEnergy[e].kgce, itemStyle: { color: ENERGY_COLORS[e] },
      })),
    }],
  });
  draw(trend, trendOption(lang, series, t(`energy.${state.energy}`), ENERGY_COLORS[state.energy]));
}
