'use strict';
// The agent page (static/js/agent.js) draws only `scatter` (score curves) and `scattermap`
// (the GPS trail, planned sites, actions and stops). plotly.js "custom bundle": core + those traces.
var Plotly = require('plotly.js/lib/core');

Plotly.register([
    require('plotly.js/lib/scatter'),
    require('plotly.js/lib/scattermap')
]);

module.exports = Plotly;
