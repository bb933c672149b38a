// Small DOM helpers shared by the apps (no framework: the pages are few and simple).

// el('a', { href: '/' }, 'text', childNode) → <a href="/">text…</a>
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const c of children) node.append(c);
  return node;
}
