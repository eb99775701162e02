module.exports = { ...require('../../jest.preset.js'), displayName: require('./package.json').nx.name };
