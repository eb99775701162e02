// No database needed here.
module.exports = {
  ...require('../../jest.preset.js'),
  displayName: require('./package.json').nx.name,
  globalSetup: undefined,
  globalTeardown: undefined,
};
