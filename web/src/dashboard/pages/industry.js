// Industries (P-IND-1…3): totals and shares per GB/T 4754-2017 section (households as their own
// group) for the period and region, and the monthly usage and share of the largest ones over
// the 12 months up to the end of the period.
import { formatCompact, formatNumber, formatPercent, unitLabel } from '../../shared/format.js';
import { getJson } from '../api.js';
import { barHeight, chartBox, disposeCharts, draw } from '../charts.js';
import { addMonths } from '../dates.js';
import { dataTable, exportLinks, section, wide } from '../widgets.js';

const TREND_INDUSTRIES = 5;

export async function industryPage(ctx) {
  const { t, lang, state, body } = ctx;
  const where = { energy: state.energy, from: state.from, to: state.to, region: state.region };
  const industries = await getJson('stats/industries', where);
  const name = (code) => t(`industry.${code === ' ' || !code ? 'household' : code}`);
  const rows = [...industries.rows].sort((a, b) => b.value - a.value);
  // The trend: households (by customer type) and the largest industries (by section).
  const trendFrom = addMonths(state.to, -11);
  const top = rows.slice(0, TREND_INDUSTRIES + 1);
  const monthly = { energy: state.energy, granularity: 'month', from: trendFrom, to: state.to, region: state.region };
  const [total, ...trends] = await Promise.all([getJson('stats/series', monthly),
    ...top.map((r) => getJson('stats/series', {
      ...monthly, ...(r.industry === ' ' ? { customer: 'residential' } : { industry: r.industry }),
    }))]);
  if (!ctx.isCurrent()) return;

  const unit = unitLabel(industries.unit);
  const bars = chartBox('chart-industry-bar');
  barHeight(bars, Math.max(6, Math.min(12, rows.length)));
  const pie = chartBox('chart-industry-pie');
  const trend = chartBox('chart-industry-trend');
  const shareTrend = chartBox('chart-industry-share-trend');
  disposeCharts(body);
  body.replaceChildren(
    section('industry-totals', `${t('industry.totals')} · ${t(`energy.${state.energy}`)}`, bars),
    section('industry-shares', t('industry.shares'), pie),
    wide(section('industry-table', t('industry.totals'),
      exportLinks(t, 'industries', 'stats/industries', where),
      dataTable('table-industries', [
        { label: t('col.rank'), numeric: true, value: (r, i) => String(i + 1) },
        { label: t('col.industry'), value: (r) => name(r.industry) },
        { label: t('col.code'), value: (r) => (r.industry === ' ' ? '–' : r.industry) },
        { label: `${t('col.value')} (${unit})`, numeric: true, value: (r) => formatNumber(lang, r.value) },
        { label: t('col.share'), numeric: true, value: (r) => formatPercent(lang, r.share) },
      ], rows, { rowId: (r) => (r.industry === ' ' ? 'household' : r.industry) }))),
    section('industry-trend', t('industry.trend'), trend),
    section('industry-share-trend', t('industry.share_trend'), shareTrend));

  const shown = rows.slice(0, 12).reverse();
  draw(bars, {
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: (v) => `${formatNumber(lang, v)} ${unit}` },
    grid: { left: 190, right: 70, top: 10, bottom: 30 },
    xAxis: { type: 'value', name: unit, axisLabel: { formatter: (v) => formatCompact(lang, v) } },
    yAxis: { type: 'category', data: shown.map((r) => name(r.industry)), axisLabel: { width: 180, overflow: 'truncate' } },
    series: [{
      id: 'industries', type: 'bar', itemStyle: { color: '#f4511e' }, data: shown.map((r) => r.value),
      label: { show: true, position: 'right', formatter: (p) => formatCompact(lang, p.value) },
    }],
  });
  draw(pie, {
    tooltip: { trigger: 'item', valueFormatter: (v) => `${formatNumber(lang, v)} ${unit}` },
    series: [{
      id: 'shares', type: 'pie', radius: ['30%', '65%'],
      label: { formatter: (p) => `${p.name}\n${formatPercent(lang, p.percent / 100, 1)}`, width: 140, overflow: 'break' },
      data: rows.map((r) => ({ name: name(r.industry), value: r.value })),
    }],
  });
  // Months as the API labels them; each industry's line has a value (or a gap) for every month.
  const periods = total.points.map((p) => p.period);
  const totals = new Map(total.points.map((p) => [p.period, p.value]));
  const lines = trends.map((s) => new Map(s.points.map((p) => [p.period, p.value])));
  const lineChart = (format, axis, values) => ({
    tooltip: { trigger: 'axis', valueFormatter: format },
    legend: { bottom: 0, type: 'scroll' },
    grid: { left: 70, right: 24, top: 30, bottom: 50 },
    xAxis: { type: 'category', data: periods.map((p) => p.slice(0, 7)) },
    yAxis: { type: 'value', name: axis.name, axisLabel: { formatter: axis.format } },
    series: lines.map((line, i) => ({ type: 'line', name: name(top[i].industry), data: periods.map((p) => values(line, p)) })),
  });
  draw(trend, lineChart((v) => `${formatNumber(lang, v)} ${unit}`,
    { name: unit, format: (v) => formatCompact(lang, v) }, (line, p) => line.get(p) ?? null));
  // P-IND-2: how each industry's share of the energy changes from month to month.
  draw(shareTrend, lineChart((v) => formatPercent(lang, v), { name: '', format: (v) => formatPercent(lang, v, 0) },
    (line, p) => (totals.get(p) ? (line.get(p) ?? 0) / totals.get(p) : null)));
}
