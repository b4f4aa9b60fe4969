// force timezone to UTC to allow tests to work regardless of local timezone
// generally used by snapshots, but can affect specific tests
process.env.TZ = 'UTC';

const base = require('./.config/jest.config');
const { grafanaESModules, nodeModulesToTransform } = require('./.config/jest/utils');

module.exports = {
  // Jest configuration provided by Grafana scaffolding
  ...base,
  // d3-color 3.x ships only .mjs: transform .mjs as well as TS/JS.
  transform: {
    '^.+\\.(t|j)sx?$|\\.mjs$': base.transform['^.+\\.(t|j)sx?$'],
  },
  transformIgnorePatterns: [nodeModulesToTransform([...grafanaESModules, 'd3-color'])],
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/tests/'],
  // Editor tests render real @grafana/ui: give them room on a loaded 2-core CI machine.
  testTimeout: 30000,
};
