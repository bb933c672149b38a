// Bundles the web front end with esbuild into a folder the omnimeter HTTP server serves.
//
//   node build.mjs --out <folder>
//
// Each app (src/<app>/main.js) becomes content-hashed assets (cacheable for a year) plus an
// index.html (revalidated on every load), and every text file gets a precompressed .gz twin.
// The landing app is served at /, the others at /<app>/.
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

// Apps and where they are served. Later issues add the dashboard and the resident app.
const apps = [{ name: 'landing', path: '' }, { name: 'console', path: 'console' }];

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
if (existsSync(join(here, 'LICENSES'))) cpSync(join(here, 'LICENSES'), join(out, 'licenses'), { recursive: true });

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
