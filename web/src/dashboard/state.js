// The dashboard's state lives in the URL hash, so that every view can be bookmarked and shared:
//   #/regions?from=2026-10-01&to=2026-10-31&energy=coal&region=110105&granularity=day
// Anything missing or invalid falls back to the defaults.
import { isDate } from './dates.js';

export const PAGES = ['overview', 'regions', 'industry', 'losses'];
export const ENERGIES = ['electricity', 'water', 'gas', 'heat'];
export const ENERGY_CHOICES = [...ENERGIES, 'coal'];
export const GRANULARITIES = ['day', 'week', 'month', 'year'];

// Region codes are prefixes of the base information code: district 6 digits, street 9,
// community 12, building 16 (docs/exchange-format.md).
const LEVELS = [[6, 'district'], [9, 'street'], [12, 'community'], [16, 'building']];

export function regionLevel(code) {
  if (!code) return 'city';
  return LEVELS.find(([n]) => n === code.length)?.[1] ?? 'city';
}

// The level below `level`, or null under a building.
export function childLevel(level) {
  const order = ['city', 'district', 'street', 'community', 'building'];
  return order[order.indexOf(level) + 1] ?? null;
}

// The codes from the district down to `code` itself: '110105003012' → 110105, 110105003, ….
export function regionPath(code) {
  if (!code) return [];
  return LEVELS.filter(([n]) => n <= code.length).map(([n]) => code.slice(0, n));
}

export function parseHash(hash, defaults) {
  const text = (hash || '').replace(/^#\/?/, '');
  const [page, query = ''] = text.split('?');
  const q = new URLSearchParams(query);
  const state = {
    page: PAGES.includes(page) ? page : 'overview',
    from: isDate(q.get('from')) ? q.get('from') : defaults.from,
    to: isDate(q.get('to')) ? q.get('to') : defaults.to,
    energy: ENERGY_CHOICES.includes(q.get('energy')) ? q.get('energy') : 'electricity',
    granularity: GRANULARITIES.includes(q.get('granularity')) ? q.get('granularity') : 'day',
    region: /^\d+$/.test(q.get('region') ?? '') && regionLevel(q.get('region')) !== 'city'
      ? q.get('region') : '',
  };
  if (state.from > state.to) [state.from, state.to] = [state.to, state.from];
  return state;
}

export function toHash(state) {
  const q = new URLSearchParams({ from: state.from, to: state.to, energy: state.energy });
  if (state.region) q.set('region', state.region);
  if (state.granularity !== 'day') q.set('granularity', state.granularity);
  return `#/${state.page}?${q}`;
}
