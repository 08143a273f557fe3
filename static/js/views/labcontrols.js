/** The training settings: activation, loss, optimizer, learning rate, batch, regularisation, seed. */

import { BATCHES, HIDDEN_ACTIVATIONS, LEARNING_RATES, LOSSES, MAX_SEED, OPTIMIZERS, RATES, REGULARIZATIONS, TASKS } from '../lab/state.js';

/**
 * @param {HTMLElement} root
 * @param {{onChange: function(object): void}} handlers
 */
export function createLabControls(root, { onChange }) {
  const $ = (sel) => root.querySelector(sel);
  const fill = (select, values, label = String) => values.forEach((v) => select.add(new Option(label(v), String(v))));
  fill($('.activation'), HIDDEN_ACTIVATIONS);
  fill($('.loss'), LOSSES);
  fill($('.optimizer'), OPTIMIZERS);
  fill($('.lr'), LEARNING_RATES);
  fill($('.batch'), BATCHES, (b) => (b === BATCHES[BATCHES.length - 1] ? 'all' : String(b)));
  fill($('.reg'), REGULARIZATIONS);
  fill($('.rate'), RATES);
  const fields = {
    activation: ['.activation', String], loss: ['.loss', String], optimizer: ['.optimizer', String],
    learning_rate: ['.lr', Number], batch_size: ['.batch', Number], regularization: ['.reg', String],
    rate: ['.rate', Number],
  };
  for (const [key, [sel, cast]] of Object.entries(fields)) {
    $(sel).addEventListener('change', (event) => onChange({ [key]: cast(event.target.value) }));
  }
  const seed = $('.seed');
  const seedMessage = $('#seed-message');
  let inUse = null;
  // A seed is a whole number as typed: "-5", "1.5" or "" are refused, not rounded or read as 0.
  seed.addEventListener('change', () => {
    const typed = seed.value.trim();
    const ok = /^\d+$/.test(typed) && Number(typed) <= MAX_SEED;
    if (ok) seed.removeAttribute('aria-invalid'); else seed.setAttribute('aria-invalid', 'true');
    seedMessage.hidden = ok;
    seedMessage.textContent = ok ? '' : `“${typed}” is not a seed (a whole number from 0 to ${MAX_SEED}): ${inUse} is in use.`;
    if (ok) onChange({ seed: Number(typed) });
    else seed.value = String(inUse);
  });

  function update(lab) {
    for (const [key, [sel]] of Object.entries(fields)) $(sel).value = String(lab[key]);
    inUse = lab.seed;
    if (document.activeElement !== seed) seed.value = String(lab.seed);
    const regression = lab.dataset.task === 'regression';
    $('.loss').disabled = regression;
    if (regression) $('.loss').value = TASKS.regression.loss;
    $('.rate').disabled = lab.regularization === 'none';
  }

  return { update };
}
