/**
 * Builds the browser harness into tests/browser/.build/site/ (gitignored): the
 * editors with the real @grafana/ui bundled by esbuild, the page, and
 * Grafana's fonts under the names Grafana's GlobalStyles asks for
 * (/public/fonts/...), taken from @fontsource. Icons are served straight from
 * @grafana/ui (see server.ts). Runs as the Playwright global setup.
 */
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';

export const BROWSER_DIR = __dirname;
export const ROOT = path.resolve(BROWSER_DIR, '../..');
/** The served harness; .build/test-output holds Playwright's traces of failures. */
export const BUILD_DIR = path.join(BROWSER_DIR, '.build/site');
/** The backend's frames of the provisioned dashboards (dashboard-frames.ts), served at /frames/. */
export const FRAMES_DIR = path.join(BROWSER_DIR, '.build/frames');

/** Grafana's font URLs (GlobalStyles/fonts) -> the same faces from @fontsource. */
const FONTS: Record<string, string> = {
  'inter/Inter-Regular.woff2': '@fontsource/inter/files/inter-latin-400-normal.woff2',
  'inter/Inter-Medium.woff2': '@fontsource/inter/files/inter-latin-500-normal.woff2',
  'inter/Inter-Italic.woff2': '@fontsource/inter/files/inter-latin-400-italic.woff2',
  'inter/Inter-MediumItalic.woff2': '@fontsource/inter/files/inter-latin-500-italic.woff2',
  'roboto/L0xTDF4xlVMF-BfR8bXMIhJHg45mwgGEFl0_3vrtSM1J-gEPT5Ese6hmHSh0mQ.woff2':
    '@fontsource/roboto-mono/files/roboto-mono-latin-400-normal.woff2',
};

export async function buildHarness(): Promise<void> {
  fs.rmSync(BUILD_DIR, { recursive: true, force: true });
  fs.mkdirSync(BUILD_DIR, { recursive: true });

  await build({
    absWorkingDir: ROOT,
    entryPoints: [path.join(BROWSER_DIR, 'harness/main.tsx')],
    outfile: path.join(BUILD_DIR, 'harness.js'),
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'chrome120',
    jsx: 'automatic',
    sourcemap: 'linked',
    minify: true,
    legalComments: 'none',
    define: {
      'process.env.NODE_ENV': '"production"',
      global: 'globalThis',
    },
    loader: { '.svg': 'file', '.png': 'file', '.ttf': 'file', '.woff': 'file', '.woff2': 'file' },
    logLevel: 'warning',
  });
  // The page links harness.css; it exists only when a bundled module imports CSS.
  const css = path.join(BUILD_DIR, 'harness.css');
  if (!fs.existsSync(css)) {
    fs.writeFileSync(css, '');
  }
  fs.copyFileSync(path.join(BROWSER_DIR, 'harness/index.html'), path.join(BUILD_DIR, 'index.html'));

  for (const [to, from] of Object.entries(FONTS)) {
    const dest = path.join(BUILD_DIR, 'public/fonts', to);
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.copyFileSync(require.resolve(from, { paths: [ROOT] }), dest);
  }
}

export default buildHarness;
