// Packages dist/ as the zip Grafana installs and its plugin catalogue reviews,
// then checks that package offline. Used by scripts/validate-plugin.sh.
//
//   node scripts/package-plugin.js [--dist dist] [--out artifacts] [--source .] [--zip-only]
//
// The zip is <out>/<id>-<version>.zip with one top-level folder named after
// the plugin id holding the contents of dist/, Unix file modes kept (the
// backend executables stay 0755). Needs no zip program: Node's zlib deflates.
//
// The checks are this project's own reading of Grafana's packaging rules
// (the ones its plugin validator applies without network access). Every
// finding prints as "ERROR ..." or "note ...", and any ERROR makes the exit
// status 1. The last line is "package check: N errors, N notes".
'use strict';
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');
const crypto = require('crypto');
const { execFileSync } = require('child_process');

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const root = path.resolve(__dirname, '..');
const distDir = path.resolve(root, opt('dist', 'dist'));
const outDir = path.resolve(root, opt('out', 'artifacts'));
const sourceDir = path.resolve(root, opt('source', '.'));
const zipOnly = args.includes('--zip-only');

const errors = [];
const notes = [];
const error = (msg) => errors.push(msg);
const note = (msg) => notes.push(msg);

// ---------------------------------------------------------------- the zip --

function crc32(buf) {
  if (zlib.crc32) {
    return zlib.crc32(buf) >>> 0;
  }
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) {
      c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
    }
  }
  return ~c >>> 0;
}

function dosDateTime(d) {
  const year = Math.max(d.getFullYear(), 1980);
  return {
    time: (d.getHours() << 11) | (d.getMinutes() << 5) | Math.floor(d.getSeconds() / 2),
    date: ((year - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate(),
  };
}

// Every file and folder under dir, sorted, as paths relative to dir.
function walk(dir, rel = '') {
  const out = [];
  for (const e of fs
    .readdirSync(path.join(dir, rel), { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) {
      out.push(`${p}/`, ...walk(dir, p));
    } else {
      out.push(p);
    }
  }
  return out;
}

function writeZip(zipPath, srcDir, topFolder) {
  const fd = fs.openSync(zipPath, 'w');
  const central = [];
  let offset = 0;
  const put = (buf) => {
    fs.writeSync(fd, buf);
    offset += buf.length;
  };
  for (const rel of [`${topFolder}/`, ...walk(srcDir).map((p) => `${topFolder}/${p}`)]) {
    const isDir = rel.endsWith('/');
    const full = path.join(srcDir, rel.slice(topFolder.length + 1));
    const st = fs.statSync(full); // follows symlinks: the zip holds real files
    const data = isDir ? Buffer.alloc(0) : fs.readFileSync(full);
    const packed = isDir ? data : zlib.deflateRawSync(data);
    const method = isDir ? 0 : 8;
    const crc = isDir ? 0 : crc32(data);
    const { time, date } = dosDateTime(st.mtime);
    const name = Buffer.from(rel, 'utf8');
    const mode = isDir ? 0o40755 : 0o100000 | (st.mode & 0o111 ? 0o755 : 0o644);

    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(time, 10);
    local.writeUInt16LE(date, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);

    const cen = Buffer.alloc(46);
    cen.writeUInt32LE(0x02014b50, 0);
    cen.writeUInt16LE((3 << 8) | 20, 4); // made by Unix: modes are read from the external attributes
    cen.writeUInt16LE(20, 6);
    cen.writeUInt16LE(0x0800, 8);
    cen.writeUInt16LE(method, 10);
    cen.writeUInt16LE(time, 12);
    cen.writeUInt16LE(date, 14);
    cen.writeUInt32LE(crc, 16);
    cen.writeUInt32LE(packed.length, 20);
    cen.writeUInt32LE(data.length, 24);
    cen.writeUInt16LE(name.length, 28);
    cen.writeUInt32LE(((mode << 16) | (isDir ? 0x10 : 0)) >>> 0, 38);
    cen.writeUInt32LE(offset, 42);
    central.push(Buffer.concat([cen, name]));

    put(local);
    put(name);
    put(packed);
  }
  const cd = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(central.length, 8);
  end.writeUInt16LE(central.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  put(cd);
  put(end);
  fs.closeSync(fd);
}

// --------------------------------------------------------------- checks --

const readText = (p) => (fs.existsSync(p) ? fs.readFileSync(p, 'utf8') : null);
const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;
const IMAGE = /\.(png|jpe?g|gif|svg|webp)$/i;
const PLATFORMS = ['linux_amd64', 'linux_arm64', 'linux_arm', 'darwin_amd64', 'darwin_arm64', 'windows_amd64.exe'];

// A path in plugin.json (logo, screenshot): relative, inside the plugin, present, not empty.
function checkAsset(kind, p) {
  if (typeof p !== 'string' || p.trim() === '') {
    error(`plugin.json: empty ${kind} path`);
    return;
  }
  if (/^[a-z]+:/i.test(p) || p.startsWith('/') || p.split('/').includes('..')) {
    error(`plugin.json: ${kind} ${p} must be a path inside the plugin folder`);
    return;
  }
  const full = path.join(distDir, p);
  if (!fs.existsSync(full) || fs.statSync(full).size === 0) {
    error(`plugin.json: ${kind} ${p} is missing or empty in the package`);
    return;
  }
  if (!IMAGE.test(p)) {
    error(`plugin.json: ${kind} ${p} is not a PNG, JPEG, GIF, SVG or WebP image`);
  }
}

// SVGs are shown inline by Grafana: no scripts, event handlers or foreign content.
function checkSvg(rel) {
  const svg = fs.readFileSync(path.join(distDir, rel), 'utf8');
  if (/<script|<foreignObject|\son[a-z]+\s*=|javascript:/i.test(svg)) {
    error(`${rel}: SVG with script, event handler or foreign content`);
  }
}

function checkBackend(plugin) {
  if (plugin.alerting && !plugin.backend) {
    error('plugin.json: alerting needs backend: true');
  }
  if (!plugin.backend && !plugin.executable) {
    return;
  }
  if (!plugin.backend || !plugin.executable) {
    error('plugin.json: backend and executable must be set together');
    return;
  }
  for (const p of PLATFORMS) {
    const bin = `${plugin.executable}_${p}`;
    const full = path.join(distDir, bin);
    if (!fs.existsSync(full)) {
      error(`backend executable ${bin} is missing (mage -v builds every platform)`);
    } else if (!p.endsWith('.exe') && (fs.statSync(full).mode & 0o755) !== 0o755) {
      error(`backend executable ${bin} is not mode 0755`);
    }
  }
  for (const f of ['standalone.txt', 'pid.txt']) {
    if (fs.existsSync(path.join(distDir, f))) {
      error(`${f} is a debug-mode file: the plugin would not start in production`);
    }
  }
  checkGoManifest();
}

// dist/go_plugin_build_manifest (written by the SDK's mage build) must list
// every Go file of the source with its SHA-256, and nothing else: reviewers
// compare it with the repository to know the binaries come from that code.
function checkGoManifest() {
  const text = readText(path.join(distDir, 'go_plugin_build_manifest'));
  if (text === null) {
    error('go_plugin_build_manifest is missing (build the backend with mage)');
    return;
  }
  const manifest = new Map();
  for (const line of text.split('\n').filter(Boolean)) {
    const [sum, file] = line.split(':');
    manifest.set(file.replace(/\\/g, '/'), sum);
  }
  let goFiles;
  try {
    goFiles = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '--', '*.go'], {
      cwd: sourceDir,
      encoding: 'utf8',
    })
      .split('\n')
      .filter((f) => f && !/(^|\/)node_modules\//.test(f));
  } catch {
    note('source is not a git work tree: Go manifest not compared');
    return;
  }
  for (const f of goFiles) {
    const full = path.join(sourceDir, f);
    if (!fs.existsSync(full)) {
      continue; // deleted in the work tree, not yet in git
    }
    const sum = crypto.createHash('sha256').update(fs.readFileSync(full)).digest('hex');
    if (!manifest.has(f)) {
      error(`go_plugin_build_manifest: ${f} is in the source but not in the manifest (rebuild the backend)`);
    } else if (manifest.get(f) !== sum) {
      error(`go_plugin_build_manifest: ${f} changed since the backend was built (rebuild the backend)`);
    }
  }
  const inSource = new Set(goFiles);
  for (const f of manifest.keys()) {
    if (!inSource.has(f)) {
      error(`go_plugin_build_manifest: ${f} is in the manifest but not in the source`);
    }
  }
}

function checkDocs() {
  const readme = readText(path.join(distDir, 'README.md'));
  if (!readme || readme.trim().length < 200) {
    error('README.md is missing or nearly empty (it is the plugin page in the catalogue)');
  } else {
    if (/<!--/.test(readme)) {
      error('README.md contains HTML comments (template left-overs)');
    }
    if (/%(VERSION|TODAY|PLUGIN_ID)%/.test(readme)) {
      error('README.md still has a %...% placeholder');
    }
    for (const word of ['yarn', 'nodejs']) {
      if (readme.includes(word)) {
        error(`README.md uses developer jargon ("${word}"): it is written for Grafana users`);
      }
    }
  }
  const license = readText(path.join(distDir, 'LICENSE'));
  if (!license) {
    error('LICENSE is missing');
  } else if (/\{yyyy\}|\{name of copyright owner\}|\[yyyy\]|\[name of copyright owner\]/.test(license)) {
    error('LICENSE still has the template placeholders {yyyy} / {name of copyright owner}');
  }
  if (!readText(path.join(distDir, 'CHANGELOG.md'))) {
    error('CHANGELOG.md is missing');
  }
}

function check() {
  const pluginText = readText(path.join(distDir, 'plugin.json'));
  if (!pluginText) {
    error('plugin.json is missing from dist/');
    return null;
  }
  let plugin;
  try {
    plugin = JSON.parse(pluginText);
  } catch (e) {
    error(`plugin.json does not parse: ${e.message}`);
    return null;
  }
  const info = plugin.info || {};
  if (!/^[0-9a-z]+-([0-9a-z]+-)?(app|panel|datasource)$/.test(plugin.id || '')) {
    error(`plugin.json: id "${plugin.id}" is not <org>-<name>-<type>`);
  } else if (!plugin.id.endsWith(`-${plugin.type}`)) {
    error(`plugin.json: id "${plugin.id}" does not end with its type "${plugin.type}"`);
  }
  if (!plugin.name || plugin.name === plugin.id) {
    error('plugin.json: name must be a human-friendly name');
  }
  if (!SEMVER.test(info.version || '')) {
    error(`plugin.json: info.version "${info.version}" is not a version (placeholder left?)`);
  }
  if (!/^\d{4}-\d{2}-\d{2}$/.test(info.updated || '')) {
    error(`plugin.json: info.updated "${info.updated}" is not a date`);
  }
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  if (pkg.version !== info.version) {
    error(`package.json version ${pkg.version} differs from plugin.json ${info.version}`);
  }
  if (!info.description || !(info.keywords || []).length) {
    error('plugin.json: info.description and info.keywords are needed to be found in the catalogue');
  }
  if (!info.author || !info.author.name) {
    error('plugin.json: info.author.name is missing');
  }
  const dep = (plugin.dependencies || {}).grafanaDependency || '';
  if (!/^>=\s*\d+\.\d+\.\d+/.test(dep)) {
    error(`plugin.json: grafanaDependency "${dep}" should be a lower bound like >=12.3.0`);
  }
  const logos = info.logos || {};
  checkAsset('small logo', logos.small);
  checkAsset('large logo', logos.large);
  const shots = info.screenshots || [];
  if (shots.length === 0) {
    error('plugin.json: no screenshots for the catalogue');
  }
  for (const s of shots) {
    if (!s.name) {
      error(`plugin.json: screenshot ${s.path} has no name`);
    }
    checkAsset('screenshot', s.path);
  }
  for (const rel of walk(distDir).filter((p) => p.toLowerCase().endsWith('.svg'))) {
    checkSvg(rel);
  }
  if (!fs.existsSync(path.join(distDir, 'module.js'))) {
    error('module.js is missing');
  }
  if (!fs.existsSync(path.join(distDir, 'module.js.map'))) {
    error('module.js.map is missing (reviewers match it against the source)');
  }
  checkBackend(plugin);
  checkDocs();
  if (!fs.existsSync(path.join(distDir, 'MANIFEST.txt'))) {
    note('unsigned: no MANIFEST.txt (expected until Grafana signs the plugin: npm run sign)');
  }
  return plugin;
}

// ----------------------------------------------------------------- main --

const plugin = zipOnly ? JSON.parse(fs.readFileSync(path.join(distDir, 'plugin.json'), 'utf8')) : check();
if (plugin && plugin.id) {
  fs.mkdirSync(outDir, { recursive: true });
  const zipPath = path.join(outDir, `${plugin.id}-${(plugin.info || {}).version}.zip`);
  writeZip(zipPath, distDir, plugin.id);
  console.log(
    `package: ${path.relative(process.cwd(), zipPath)} (${(fs.statSync(zipPath).size / 1048576).toFixed(1)} MB)`
  );
}
for (const e of errors) {
  console.log(`ERROR ${e}`);
}
for (const n of notes) {
  console.log(`note  ${n}`);
}
console.log(`package check: ${errors.length} errors, ${notes.length} notes`);
process.exit(errors.length ? 1 : 0);
