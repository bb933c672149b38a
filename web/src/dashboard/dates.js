// Calendar dates of the dashboard: Beijing calendar days written YYYY-MM-DD, as the API takes them.
// Arithmetic runs on UTC midnights, which have no daylight saving to trip over.

const DAY_MS = 86_400_000;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

export function isDate(s) {
  return typeof s === 'string' && ISO_DATE.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`));
}

function toDate(s) {
  return new Date(`${s}T00:00:00Z`);
}

function fromDate(d) {
  return d.toISOString().slice(0, 10);
}

// Today in Beijing (UTC+8 all year).
export function beijingToday(now = Date.now()) {
  return fromDate(new Date(now + 8 * 3600 * 1000));
}

export function addDays(s, n) {
  return fromDate(new Date(toDate(s).getTime() + n * DAY_MS));
}

export function monthStart(s) {
  return `${s.slice(0, 7)}-01`;
}

export function monthEnd(s) {
  const d = toDate(monthStart(s));
  return fromDate(new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)));
}

// The first day of the month `n` months after the month of `s` (n may be negative).
export function addMonths(s, n) {
  const d = toDate(monthStart(s));
  return fromDate(new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + n, 1)));
}

// The period a first visit shows: the last full calendar month with data ({first_day, last_day}
// of GET /api/v1/info), else all the data there is, else last month.
export function defaultPeriod(data, today = beijingToday()) {
  const first = data?.first_day;
  const last = data?.last_day;
  if (!isDate(last)) {
    const from = addMonths(today, -1);
    return { from, to: monthEnd(from) };
  }
  const to = monthEnd(last) === last ? last : addDays(monthStart(last), -1);
  const from = monthStart(to);
  if (isDate(first) && from < first) return { from: first, to: last };
  return { from, to };
}
