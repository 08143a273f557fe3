/**
 * What a setup says about how it trains: its optimizer and that optimizer's settings, its step
 * size η, and whether a penalty joins the gradient. The sequence, the describers and the page's
 * state all ask these questions; this is the one place that answers them. Pure: no DOM.
 */

import { CATALOG } from '../catalog.js';

/** The optimizer a setup steps with: 'sgd' (plain gradient descent), or its optimizer's name. */
export const optimizerName = (setup) => setup?.optimizer?.name ?? 'sgd';

/** The step size η the setup's update uses: the optimizer's own, or plain descent's. */
export const learningRate = (setup) => (setup.optimizer ? setup.optimizer.learning_rate : setup.learning_rate);

/** The optimizer's settings, each one the setup leaves out at its default. */
export const optimizerSettings = (setup) => ({ ...CATALOG.optimizer_defaults, ...setup.optimizer });

/** Whether the setup adds a regularisation penalty to the weights' gradients. */
export const penalised = (setup) => Boolean(setup?.regularization && setup.regularization.kind !== 'none' && setup.regularization.rate > 0);
