// Number formatting shared by the apps, in the UI language (Intl, so grouping and the Chinese
// large-number units, wan = 10^4 and yi = 10^8, come from the browser's locale data, not from
// strings in the code).

const cache = new Map();
function formatter(lang, options) {
  const key = `${lang}|${JSON.stringify(options)}`;
  let f = cache.get(key);
  if (!f) {
    f = new Intl.NumberFormat(lang, options);
    cache.set(key, f);
  }
  return f;
}

// 1234567.891 → "1,234,567.89" (at most `digits` decimals). Missing values show as a dash.
export function formatNumber(lang, value, digits = 2) {
  if (value === null || value === undefined || Number.isNaN(value)) return '–';
  return formatter(lang, { maximumFractionDigits: digits }).format(value);
}

// 1234567 → "123.46" + wan in Chinese, "1.23M" in English: for chart axes and labels.
export function formatCompact(lang, value) {
  if (value === null || value === undefined || Number.isNaN(value)) return '–';
  return formatter(lang, { notation: 'compact', maximumFractionDigits: 2 }).format(value);
}

// A fraction as a percentage: 0.4123 → "41.23 %".
export function formatPercent(lang, fraction, digits = 2) {
  if (fraction === null || fraction === undefined || Number.isNaN(fraction)) return '–';
  return `${formatter(lang, { minimumFractionDigits: digits, maximumFractionDigits: digits })
    .format(fraction * 100)} %`;
}

// A relative change with its direction: 0.031 → { arrow: '▲', text: '+3.10 %', sign: 1 }.
export function formatChange(lang, fraction) {
  if (fraction === null || fraction === undefined || Number.isNaN(fraction)) {
    return { arrow: '', text: '–', sign: 0 };
  }
  const sign = fraction > 0 ? 1 : fraction < 0 ? -1 : 0;
  const arrow = sign > 0 ? '▲' : sign < 0 ? '▼' : '■';
  const text = `${sign > 0 ? '+' : ''}${formatPercent(lang, fraction)}`;
  return { arrow, text, sign };
}

// Unit symbols as the API spells them ("m3", ASCII) and as people read them ("m³").
export function unitLabel(unit) {
  if (!unit) return '';
  return unit.replace(/m3\b/g, 'm³');
}
