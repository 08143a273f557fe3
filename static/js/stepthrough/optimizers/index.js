/**
 * The optimizers' update modules by the catalog's name: each says how its update is laid out in
 * steps (`perStep` parameters a step, its `stages`), what state it keeps for a parameter
 * (`track`), how a step of it is described (`describe`) and what the inspector lists for it
 * (`inspect`). A new optimizer is its Python entry plus its module here. Pure: no DOM.
 */

import { flatIndex } from '../parameters.js';
import { optimizerName } from '../training.js';
import adam from './adam.js';
import { commonUpdate } from './common.js';
import momentum from './momentum.js';
import sgd from './sgd.js';

export const OPTIMIZER_MODULES = { sgd, momentum, adam };

/** The update module of the optimizer a setup steps with. */
export function optimizerModule(setup) {
  const name = optimizerName(setup);
  const module = OPTIMIZER_MODULES[name];
  if (!module) throw new Error(`no update module for the optimizer ${name}`);
  return module;
}

/**
 * Every number of one parameter's update: its gradient, the penalty regularisation adds,
 * the optimizer's state before (the request's) and after (the answer's), and the new value.
 * The describers and the inspector both show these.
 * @param {object} ctx as `describe` takes it; `optimizerState` is the state before the step
 * @param {{kind: string, layer: number, row: number, col?: number}} p
 */
export function parameterUpdate(ctx, p) {
  const update = commonUpdate(ctx, p);
  const i = flatIndex(ctx.network.layers, p);
  const before = ctx.optimizerState !== undefined ? ctx.optimizerState : ctx.setup.optimizer?.state;
  const after = ctx.trace.optimizer?.state;
  const pick = (st, key) => st?.[key]?.[i] ?? null;
  return Object.assign(update, optimizerModule(ctx.setup).track({ before, after, pick, opt: update.opt }));
}
