// Building blocks of the pages: sections, figure cards and tables with export links.
import { el } from '../shared/dom.js';
import { apiUrl, download, sessionToken } from './api.js';
import { GRANULARITIES, toHash } from './state.js';

export function section(id, title, ...children) {
  return el('section', { id, class: 'panel' }, el('h2', {}, title), ...children);
}

// A section across the whole width of the page (the others share a row two by two).
export function wide(node) {
  node.classList.add('wide');
  return node;
}

// CSV (UTF-8 with BOM, for Excel) and XLSX of the same query as a table: the API answers both.
// Logged in, the link fetches the file with the session's token instead (api.js download()).
export function exportLinks(t, id, path, params) {
  const link = (format, label) => {
    const a = el('a', {
      id: `${id}-${format}`, class: 'export', href: apiUrl(path, { ...params, format }), download: '',
    }, label);
    a.addEventListener('click', (event) => {
      if (!sessionToken()) return;  // an open cloud: the plain link is enough
      event.preventDefault();
      download(path, { ...params, format }).catch((err) => {
        a.title = err.message;  // the page stays; the reason shows on the link
      });
    });
    return a;
  };
  return el('span', { class: 'exports' }, link('csv', t('export.csv')), ' ', link('xlsx', t('export.xlsx')));
}

// columns: [{ label, value: (row, index) → string|Node, numeric?: true }]
// onRow(row): makes rows clickable (drill-down); `rowId(row)` names them for tests.
export function dataTable(id, columns, rows, { onRow, rowId } = {}) {
  const head = el('tr', {}, ...columns.map((c) => el('th', c.numeric ? { class: 'num' } : {}, c.label)));
  const body = el('tbody');
  rows.forEach((row, i) => {
    const tr = el('tr', rowId ? { 'data-id': rowId(row) } : {},
      ...columns.map((c) => el('td', c.numeric ? { class: 'num' } : {}, c.value(row, i))));
    if (onRow) {
      tr.classList.add('clickable');
      tr.tabIndex = 0;
      tr.addEventListener('click', () => onRow(row));
      tr.addEventListener('keydown', (e) => { if (e.key === 'Enter') onRow(row); });
    }
    body.append(tr);
  });
  return el('div', { class: 'table-wrap' }, el('table', { id, class: 'data' }, el('thead', {}, head), body));
}

export function note(text, className = 'note') {
  return el('p', { class: className }, text);
}

// Day / week / month / year links for a trend chart (the choice is part of the hash).
export function granularityPicker(t, state) {
  return el('span', { class: 'choices granularity' }, ...GRANULARITIES.map((g) => el('a', {
    href: toHash({ ...state, granularity: g }), 'data-granularity': g,
    class: g === state.granularity ? 'active' : '',
  }, t(`granularity.${g}`))));
}
