/** The training settings: activation, loss, optimizer, learning rate, batch, regularisation, seed. */

import { HIDDEN_ACTIVATIONS, LEARNING_RATES, OPTIMIZERS, RATES } from '../labstate.js';

const BATCHES = [1, 5, 10, 25, 50, 100, 2000];

/**
 * @param {HTMLElement} root
 * @param {{onChange: function(object): void}} handlers
 */
export function createLabControls(root, { onChange }) {
  const $ = (sel) => root.querySelector(sel);
  const fill = (select, values, label = String) => values.forEach((v) => select.add(new Option(label(v), String(v))));
  fill($('.activation'), HIDDEN_ACTIVATIONS);
  fill($('.optimizer'), OPTIMIZERS);
  fill($('.lr'), LEARNING_RATES);
  fill($('.batch'), BATCHES, (b) => (b === 2000 ? 'all' : String(b)));
  fill($('.reg'), ['none', 'l1', 'l2']);
  fill($('.rate'), RATES);
  const fields = {
    activation: ['.activation', String], loss: ['.loss', String], optimizer: ['.optimizer', String],
    learning_rate: ['.lr', Number], batch_size: ['.batch', Number], regularization: ['.reg', String],
    rate: ['.rate', Number],
  };
  for (const [key, [sel, cast]] of Object.entries(fields)) {
    $(sel).addEventListener('change', (event) => onChange({ [key]: cast(event.target.value) }));
  }
  $('.seed').addEventListener('change', (event) => {
    const seed = Math.max(0, Math.floor(Number(event.target.value)));
    if (Number.isFinite(seed)) onChange({ seed });
  });

  function update(lab) {
    for (const [key, [sel]] of Object.entries(fields)) $(sel).value = String(lab[key]);
    $('.seed').value = String(lab.seed);
    const regression = lab.dataset.task === 'regression';
    $('.loss').disabled = regression;
    if (regression) $('.loss').value = 'mse';
    $('.rate').disabled = lab.regularization === 'none';
  }

  return { update };
}
