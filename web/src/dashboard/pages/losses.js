// Losses (P-REG-4): per supply meter, its usage minus the sum of its sub-meters, ranked by loss
// rate, for the chosen energy (all four when standard coal is chosen: a loss is physical).
import { el } from '../../shared/dom.js';
import { formatNumber, formatPercent, unitLabel } from '../../shared/format.js';
import { getJson } from '../api.js';
import { barHeight, chartBox, disposeCharts, draw } from '../charts.js';
import { ENERGIES } from '../state.js';
import { dataTable, exportLinks, note, section, wide } from '../widgets.js';

const LIMIT = 100;

// The rate from the figures themselves (loss / supply), so the table and the chart agree with
// what they show whatever the API's rounding.
const rate = (r) => (r.supply > 0 ? r.loss / r.supply : null);

function lossTable(ctx, energy, result, query) {
  const { t, lang } = ctx;
  const unit = unitLabel(result.unit ?? result.rows[0]?.unit ?? '');
  const rows = [...result.rows].sort((a, b) => (rate(b) ?? -Infinity) - (rate(a) ?? -Infinity));
  const chart = chartBox(`chart-losses-${energy}`, 'chart bars');
  barHeight(chart, Math.min(20, rows.length));
  const content = rows.length === 0 ? [note(t('losses.none'))] : [
    exportLinks(t, `losses-${energy}`, 'stats/losses', query),
    el('div', { class: 'split losses' }, dataTable(`table-losses-${energy}`, [
      { label: t('col.rank'), numeric: true, value: (r, i) => String(i + 1) },
      { label: t('col.name'), value: (r) => r.name || '–' },
      { label: t('col.meter'), value: (r) => el('code', {}, r.code) },
      { label: `${t('col.supply')} (${unit})`, numeric: true, value: (r) => formatNumber(lang, r.supply) },
      { label: `${t('col.children')} (${unit})`, numeric: true, value: (r) => formatNumber(lang, r.children) },
      { label: `${t('col.loss')} (${unit})`, numeric: true, value: (r) => formatNumber(lang, r.loss) },
      { label: t('col.loss_pct'), numeric: true, value: (r) => formatPercent(lang, rate(r)) },
    ], rows, { rowId: (r) => r.code }), chart),
  ];
  const box = wide(section(`losses-${energy}`, `${t('losses.title')} · ${t(`energy.${energy}`)}`, ...content));
  return { box, chart: rows.length ? chart : null, rows };
}

export async function lossesPage(ctx) {
  const { t, lang, state, body } = ctx;
  const energies = state.energy === 'coal' ? ENERGIES : [state.energy];
  const queries = energies.map((energy) => ({
    energy, from: state.from, to: state.to, region: state.region, limit: LIMIT,
  }));
  const results = await Promise.all(queries.map((q) => getJson('stats/losses', q)));
  if (!ctx.isCurrent()) return;

  const tables = energies.map((e, i) => lossTable(ctx, e, results[i], queries[i]));
  disposeCharts(body);
  body.replaceChildren(wide(note(t('losses.note'))), ...tables.map((x) => x.box));
  for (const { chart, rows } of tables) {
    if (!chart) continue;
    const top = rows.slice(0, 20).reverse();
    draw(chart, {
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: (v) => formatPercent(lang, v) },
      grid: { left: 140, right: 60, top: 10, bottom: 30 },
      xAxis: { type: 'value', axisLabel: { formatter: (v) => formatPercent(lang, v, 0) } },
      yAxis: { type: 'category', data: top.map((r) => r.name || r.code), axisLabel: { width: 130, overflow: 'truncate' } },
      series: [{
        id: 'loss-rate', type: 'bar', itemStyle: { color: '#d84315' }, data: top.map((r) => rate(r)),
        label: { show: true, position: 'right', formatter: (p) => formatPercent(lang, p.value, 1) },
      }],
    });
  }
}
