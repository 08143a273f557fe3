// The Node tests' shared fixtures: real /trace answers (fixtures/traces.json, kept current by
// tests/test_js_fixtures.py) and the describers' context for one of them, as the page makes it.
import { readFileSync } from 'node:fs';
import { plain } from '../../static/js/math.js';
import { neuronNames } from '../../static/js/stepthrough/notation.js';

export const TRACES = JSON.parse(readFileSync(new URL('./fixtures/traces.json', import.meta.url), 'utf8'));

/** The traced setup of this name (see setups() in tests/test_js_fixtures.py). */
export function traced(name) {
  const found = TRACES.find((c) => c.name === name);
  if (!found) throw new Error(`no trace fixture "${name}"`);
  return found;
}

/** The context `describe`, `neuronGraph` and `matrixForm` take, as the stepper makes it. */
export function contextOf(c, { example = 0, decimals = 4 } = {}) {
  return { setup: c.setup, trace: c.trace, names: neuronNames(c.network.layers), decimals, network: c.network,
    next: c.trace.network, example, optimizerState: c.optimizerState };
}

/** A description's words and formula as one plain text: what a reader sees and hears. */
export const said = (d) => `${d.title}\n${d.text}\n${plain(d.math)}`;
