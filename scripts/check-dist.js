// Checks the built frontend in dist/: module.js is one AMD module whose
// dependencies are Grafana's shared externals, at most 200 KB minified, and
// dist/plugin.json has its version and date filled in. Prints the size.
const fs = require('fs');
const path = require('path');

const dist = path.join(__dirname, '..', 'dist');
const problems = [];
const mod = fs.readFileSync(path.join(dist, 'module.js'), 'utf8');
const size = Buffer.byteLength(mod);
const m = mod.match(/define\(\[([^\]]*)\]/);
const deps = m ? JSON.parse(`[${m[1]}]`) : [];
const allowed = /^(@grafana\/(data|runtime|ui|schema|i18n)|@emotion\/(css|react)|react|react-dom|rxjs|module|lodash)$/;
if (!m) {
  problems.push('module.js is not an AMD module (no define([...]))');
}
for (const d of ['@grafana/data', '@grafana/runtime', '@grafana/ui', 'react', 'rxjs']) {
  if (!deps.includes(d)) {
    problems.push(`module.js does not load ${d} from Grafana (it would be bundled)`);
  }
}
for (const d of deps.filter((d) => !allowed.test(d))) {
  problems.push(`module.js expects an unknown external ${d}`);
}
if (size > 200 * 1024) {
  problems.push(`module.js is ${(size / 1024).toFixed(1)} KB, more than 200 KB`);
}
const plugin = JSON.parse(fs.readFileSync(path.join(dist, 'plugin.json'), 'utf8'));
if (plugin.info.version.includes('%') || plugin.info.updated.includes('%')) {
  problems.push('dist/plugin.json still has %VERSION% / %TODAY% placeholders');
}
console.log(`dist/module.js: ${(size / 1024).toFixed(1)} KB minified, AMD with externals ${deps.join(', ')}`);
if (problems.length) {
  problems.forEach((p) => console.log(`  problem: ${p}`));
  process.exit(1);
}
