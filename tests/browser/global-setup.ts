import { buildHarness } from './build';

/** Builds the harness once before the browser tests. */
export default async function globalSetup() {
  const started = Date.now();
  await buildHarness();
  console.log(`harness built in ${Date.now() - started} ms`);
}
