// Regions (P-REG-1…5): the district map of Beijing coloured orange-red by usage of the chosen
// energy or standard coal (darker = more), drill-down from district to street, community and
// building by clicking (tables and bar charts: there are no polygons below districts, so
// communities with coordinates are drawn as points), the top 100 communities, and the trend of
// the region in focus.
import { el } from '../../shared/dom.js';
import { formatCompact, formatNumber, formatPercent, unitLabel } from '../../shared/format.js';
import { getJson } from '../api.js';
import {
  ENERGY_COLORS, HEAT_COLORS, MAP_NAME, barHeight, chartBox, cityBounds, disposeCharts,
  districtBounds, draw, trendOption,
} from '../charts.js';
import { childLevel, regionLevel } from '../state.js';
import { dataTable, exportLinks, granularityPicker, note, section, wide } from '../widgets.js';

// The district in focus is zoomed to fill most of the map.
function mapView(region) {
  const bounds = region ? districtBounds(region.slice(0, 6)) : null;
  if (!bounds) return {};
  const city = cityBounds();
  const zoom = 0.85 * Math.min((city[1][0] - city[0][0]) / (bounds[1][0] - bounds[0][0]),
    (city[1][1] - city[0][1]) / (bounds[1][1] - bounds[0][1]));
  return { center: [(bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2], zoom };
}

function mapOption(ctx, districts, points) {
  const { t, lang, state, regionName } = ctx;
  const unit = unitLabel(districts.unit);
  const max = Math.max(1, ...districts.rows.map((r) => r.value));
  const pointMax = Math.max(1, ...points.map((p) => p.value));
  const focus = state.region ? state.region.slice(0, 6) : null;
  return {
    tooltip: {
      trigger: 'item',
      formatter: (p) => {
        const name = p.seriesType === 'scatter' ? p.data.label : regionName(p.name);
        const value = p.seriesType === 'scatter' ? p.data.value[2] : p.value;
        return `${name}<br>${Number.isFinite(value) ? `${formatNumber(lang, value)} ${unit}` : t('map.nodata')}`;
      },
    },
    visualMap: {
      type: 'continuous', seriesIndex: 0, min: 0, max, calculable: true, left: 12, bottom: 12,
      text: [t('map.high'), t('map.low')], inRange: { color: HEAT_COLORS },
      formatter: (v) => formatCompact(lang, v),
    },
    geo: {
      map: MAP_NAME, roam: true, ...mapView(state.region),
      label: { show: true, fontSize: 11, color: '#37474f', formatter: (p) => regionName(p.name) },
      itemStyle: { areaColor: '#eceff1', borderColor: '#90a4ae', borderWidth: 0.8 },
      emphasis: { label: { color: '#000' }, itemStyle: { areaColor: '#ffe0b2' } },
      regions: focus ? [{ name: focus, itemStyle: { borderColor: '#263238', borderWidth: 2.5 } }] : [],
    },
    series: [
      {
        id: 'districts', type: 'map', geoIndex: 0, name: unit,
        data: districts.rows.map((r) => ({ name: r.code, value: r.value })),
      },
      {
        id: 'points', type: 'scatter', coordinateSystem: 'geo', zlevel: 1,
        symbolSize: (v) => 5 + 14 * Math.sqrt(v[2] / pointMax),
        itemStyle: { color: '#3e2723', borderColor: '#fff', borderWidth: 1 },
        data: points.map((p) => ({ name: p.code, label: p.label, value: [p.lon, p.lat, p.value] })),
      },
    ],
  };
}

function barOption(ctx, result) {
  const { lang, regionName } = ctx;
  const unit = unitLabel(result.unit);
  const rows = result.rows.slice(0, 20).reverse();
  return {
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' },
      valueFormatter: (v) => `${formatNumber(lang, v)} ${unit}` },
    grid: { left: 140, right: 70, top: 10, bottom: 30 },
    xAxis: { type: 'value', name: unit, axisLabel: { formatter: (v) => formatCompact(lang, v) } },
    yAxis: { type: 'category', data: rows.map((r) => regionName(r.code, r.name)),
      axisLabel: { width: 130, overflow: 'truncate' } },
    series: [{
      id: 'values', type: 'bar', itemStyle: { color: HEAT_COLORS[2] },
      label: { show: true, position: 'right', formatter: (p) => formatCompact(lang, p.value) },
      data: rows.map((r) => ({ name: r.code, value: r.value })),
    }],
  };
}

function regionTable(ctx, id, result, { withDistrict = false, clickable = true } = {}) {
  const { t, lang, navigate, regionName } = ctx;
  const unit = unitLabel(result.unit);
  const total = result.rows.reduce((s, r) => s + r.value, 0);
  const columns = [
    { label: t('col.rank'), numeric: true, value: (r, i) => String(i + 1) },
    { label: t('col.name'), value: (r) => regionName(r.code, r.name) },
    { label: t('col.code'), value: (r) => r.code },
  ];
  if (withDistrict) columns.push({ label: t('level.district'), value: (r) => regionName(r.code.slice(0, 6)) });
  columns.push(
    { label: `${t('col.value')} (${unit})`, numeric: true, value: (r) => formatNumber(lang, r.value) },
    { label: t('col.share'), numeric: true, value: (r) => (total ? formatPercent(lang, r.value / total) : '–') },
    { label: t('col.points'), numeric: true, value: (r) => formatNumber(lang, r.points, 0) });
  return dataTable(id, columns, result.rows, {
    rowId: (r) => r.code, onRow: clickable ? (r) => navigate({ region: r.code }) : undefined,
  });
}

function points(rows) {
  return rows.filter((r) => Number.isFinite(r.latitude) && Number.isFinite(r.longitude))
    .map((r) => ({ code: r.code, label: r.name, lat: r.latitude, lon: r.longitude, value: r.value }));
}

export async function regionsPage(ctx) {
  const { t, lang, state, body, navigate, regionName } = ctx;
  const level = regionLevel(state.region);
  const below = childLevel(level);
  const q = { energy: state.energy, from: state.from, to: state.to };
  const parent = state.region || undefined;
  const childQuery = below && below !== 'district' ? { level: below, ...q, parent } : null;
  const rankingQuery = level === 'city' || level === 'district'
    ? { level: 'community', ...q, parent, limit: 100 } : null;
  const [districts, children, ranking, trend] = await Promise.all([
    // A user limited to a district or below may not rank the city's districts (the cloud
    // narrows the request to the user's region, where there are no districts to rank): the map
    // then shows the user's own communities only.
    getJson('stats/regions', { level: 'district', ...q })
      .catch((err) => { if (err.status === 400 || err.status === 403) return { rows: [] }; throw err; }),
    // A cloud that keeps no building rollups answers 400 for buildings: the community is then
    // the lowest level it can show.
    childQuery ? getJson('stats/regions', childQuery)
      .catch((err) => { if (below === 'building' && err.status === 400) return null; throw err; }) : null,
    rankingQuery ? getJson('stats/regions', rankingQuery) : null,
    getJson('stats/series', { ...q, granularity: state.granularity, region: state.region }),
    ctx.namesReady,
  ]);
  if (!ctx.isCurrent()) return;

  const map = chartBox('chart-map', 'chart map');
  const trendBox = chartBox('chart-region-trend');
  const sections = [section('regions-map', `${t('regions.map')} · ${t(`energy.${state.energy}`)}`,
    note(t('regions.hint')), map)];
  // The level right below the current region: districts of the city, streets of a district, …
  const listed = below === 'district' ? districts : children;
  const listedQuery = below === 'district' ? { level: 'district', ...q } : childQuery;
  let bar = null;
  if (listed) {
    bar = chartBox('chart-children', 'chart bars');
    barHeight(bar, Math.min(20, listed.rows.length));
    sections.push(section('regions-children', t(`regions.children.${below}`),
      exportLinks(t, 'children', 'stats/regions', listedQuery),
      el('div', { class: 'split' }, regionTable(ctx, 'table-children', listed), bar)));
  } else {
    sections.push(section('regions-children', t(`level.${level}`), note(t('regions.lowest'))));
  }
  sections.push(section('regions-trend',
    `${t('regions.trend')} · ${regionName(state.region)} · ${t(`energy.${state.energy}`)}`,
    granularityPicker(t, state), trendBox));
  if (ranking) {
    sections.push(section('regions-ranking', t('regions.ranking'),
      exportLinks(t, 'ranking', 'stats/regions', rankingQuery),
      regionTable(ctx, 'table-ranking', ranking, { withDistrict: true })));
  }

  disposeCharts(body);
  body.replaceChildren(...sections.map(wide));
  // Communities (or buildings) with coordinates; else the region in focus itself, if it has them.
  let marks = points((ranking ?? children ?? { rows: [] }).rows);
  const own = ctx.regionPoint(state.region);
  if (!marks.length && own) {
    const value = trend.points.reduce((a, p) => a + p.value, 0);  // the period's usage
    marks = [{ code: state.region, label: regionName(state.region), lon: own[0], lat: own[1], value }];
  }
  const mapChart = draw(map, mapOption(ctx, districts, marks));
  mapChart.on('click', (p) => {
    if (p.seriesType === 'scatter') navigate({ region: p.data.name });
    else if (/^\d{6}$/.test(p.name ?? '')) navigate({ region: p.name });
  });
  draw(trendBox, trendOption(lang, trend, regionName(state.region), ENERGY_COLORS[state.energy]));
  if (bar) {
    const shown = listed.rows.slice(0, 20).reverse();  // as barOption lays them out
    draw(bar, barOption(ctx, listed)).on('click', (p) => {
      if (shown[p.dataIndex]) navigate({ region: shown[p.dataIndex].code });
    });
  }
}
