import { buildHarness } from './build';
import { writeDashboardFrames } from './dashboard-frames';

/**
 * Before the browser tests, at once: builds the harness, and runs the
 * provisioned dashboard's queries through the Go backend (the dashboard
 * page's data; needs the Go toolchain).
 */
export default async function globalSetup() {
  const started = Date.now();
  const timed = <T>(what: string, p: Promise<T>) =>
    p.then((v) => {
      console.log(`${what} in ${Date.now() - started} ms`);
      return v;
    });
  await Promise.all([
    timed('harness built', buildHarness()),
    timed('dashboard frames written', writeDashboardFrames()),
  ]);
}
