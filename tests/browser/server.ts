/**
 * A static server for the harness on 127.0.0.1 and a random port:
 * tests/browser/.build/site/ at /, the dashboards' frames
 * (tests/browser/.build/frames/) at /frames/, and @grafana/ui's icons (and
 * a spinner it lacks) at /public/build/img/icons/ (where Grafana serves them, with
 * window.__grafana_public_path__ = '/public/').
 */
import fs from 'node:fs';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import path from 'node:path';

import { BUILD_DIR, FRAMES_DIR, ROOT } from './build';

const ICONS_DIR = path.join(ROOT, 'node_modules/@grafana/ui/dist/public/img/icons');
/**
 * Icons Grafana serves but @grafana/ui does not ship, drawn for the harness:
 * the spinner (Combobox shows it while options load).
 */
const HARNESS_ICONS: Record<string, string> = {
  '/public/build/img/icons/unicons/spinner.svg': path.join(__dirname, 'harness/spinner.svg'),
};

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
};

/** The file for a URL path, or undefined outside the served directories. */
function resolve(urlPath: string): string | undefined {
  const p = decodeURIComponent(urlPath);
  if (HARNESS_ICONS[p]) {
    return HARNESS_ICONS[p];
  }
  const [dir, rel] = p.startsWith('/public/build/img/icons/')
    ? [ICONS_DIR, p.slice('/public/build/img/icons/'.length)]
    : p.startsWith('/frames/')
      ? [FRAMES_DIR, p.slice('/frames/'.length)]
      : [BUILD_DIR, p === '/' ? 'index.html' : p.slice(1)];
  const file = path.resolve(dir, rel);
  return file.startsWith(dir + path.sep) ? file : undefined;
}

export interface HarnessServer {
  url: string;
  /** Paths answered 404 (missing icons or fonts would show here). */
  missing: string[];
  close: () => Promise<void>;
}

export async function startServer(): Promise<HarnessServer> {
  const missing: string[] = [];
  const server = http.createServer((req, res) => {
    const urlPath = new URL(req.url ?? '/', 'http://localhost').pathname;
    const file = resolve(urlPath);
    if (!file || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      missing.push(urlPath);
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, {
      'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
      'cache-control': 'no-store',
    });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    missing,
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}
