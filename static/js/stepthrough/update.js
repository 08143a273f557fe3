/**
 * The describers of the update phase: each update step handed to its optimizer's module (which
 * parameters it sets, and what the diagram highlights, worked out here once), and the loss after
 * the update. Pure: no DOM.
 */

import { mn, mo, mtext, row, table, tagged } from '../math.js';
import { optimizerModule } from './optimizers/index.js';
import { updatedParameters } from './parameters.js';

export function describeUpdate(step, h) {
  const l = step.layer;
  const params = updatedParameters(step);
  const edges = params.filter((p) => p.kind === 'weight').map((p) => [l, p.row, p.col]);
  const biases = params.filter((p) => p.kind === 'bias').map((p) => [l, p.row]);
  return optimizerModule(h.setup).describe(step, h, { params, edges, biases });
}

export function describeLossAfter(step, h) {
  const { trace, f, layers, L } = h;
  const change = trace.loss_after - trace.loss;
  return {
    title: 'After the update',
    text: change < 0 ? 'The same examples, run through the updated network: the loss went down. Next: another training step from the new weights.'
      : 'The loss went up: the learning rate may be too large, stepping past the minimum.',
    math: table([[row(mtext('loss before'), mo(':'), mn(f(trace.loss)))], [row(mtext('loss after'), mo(':'), tagged('update', mn(f(trace.loss_after))))], [row(mtext('change'), mo(':'), mn(f(change)))]]),
    touch: { flow: 'update', neurons: Array.from({ length: layers[L] }, (_, j) => [L, j]) },
  };
}
