/**
 * What is going wrong, in a sentence, with why and what to try: divergence, dead ReLUs,
 * saturated neurons, vanishing gradients. Pure `diagnose` (testable), DOM in `createWarnings`.
 */

import { NOTATION } from '../catalog.js';

// Vanishing gradients: the first layer's gradient norm over the last layer's. The warning comes
// on below ON and goes off above OFF, and either way only once it has held for HOLD epochs in a
// row, so a flat loss whose ratio wanders about one threshold does not make it blink.
export const VANISHING = { on: 1e-2, off: 3e-2, hold: 5 };

/**
 * Whether the vanishing-gradient warning stands after these epochs: the first epoch decides the
 * start, after which the opposite must hold for VANISHING.hold epochs to change it.
 * @param {object[]} history every epoch so far, each with grad_norms per layer
 * @returns {number|null} the ratio at the last epoch when the warning stands, else null
 */
export function vanishing(history) {
  let on = null;
  let streak = 0;
  let ratio = null;
  for (const { grad_norms: norms } of history) {
    const first = norms[0]; const out = norms[norms.length - 1];
    if (norms.length <= 2 || !(out > 1e-8) || !Number.isFinite(first)) continue; // no evidence either way
    ratio = first / out;
    const says = on ? ratio <= VANISHING.off : ratio < VANISHING.on;
    if (on === null) on = says;
    streak = says === on ? 0 : streak + 1;
    if (streak >= VANISHING.hold) { on = says; streak = 0; }
  }
  return on ? ratio : null;
}

/**
 * @param {object} lab settings
 * @param {object|null} run the last /train answer
 * @param {object[]} history every epoch so far
 * @returns {{level: string, title: string, text: string}[]}
 */
export function diagnose(lab, run, history) {
  const notes = [];
  if (!run) return notes;
  if (run.diverged) {
    notes.push({ level: 'error', title: 'Training diverged', text: `Training diverged at epoch ${run.diverged_at_epoch}: the loss overflowed. The learning rate (${lab.learning_rate}) is too large for this network; try ${lab.learning_rate / 10}, then reset.` });
  }
  run.neurons.slice(0, -1).forEach((layer, h) => {
    const dead = layer.dead.filter(Boolean).length;
    if (dead) {
      notes.push({ level: 'warning', title: `${dead} dead in layer ${h + 1}`, text: `${dead} of ${layer.dead.length} neurons in hidden layer ${h + 1} are dead: no training point makes them positive, so their weights get no gradient and stop learning. Try leaky_relu, a smaller learning rate, or another seed.` });
    }
    const saturated = layer.saturated.filter((s) => s > 0.9).length;
    if (saturated) {
      notes.push({ level: 'warning', title: `${saturated} saturated in layer ${h + 1}`, text: `${saturated} neuron${saturated > 1 ? 's' : ''} in hidden layer ${h + 1} ${saturated > 1 ? 'are' : 'is'} saturated for over 90% of the points: ${lab.activation}'s slope is nearly 0 there, so little gradient passes through. Try a smaller learning rate, relu, or fewer features with large values (x²).` });
    }
  });
  const ratio = vanishing(history);
  if (ratio !== null) {
    notes.push({ level: 'warning', title: 'Vanishing gradients', text: `Vanishing gradients: the first layer's gradient is ${ratio.toExponential(1)} times the last layer's, so the early layers barely learn. Each ${lab.activation} layer multiplies the error by its slope (at most ${NOTATION.activations[lab.activation].max_slope}). Try relu or tanh, or fewer layers.` });
  }
  return notes;
}

/**
 * The warnings as one line of titles that opens, on a click, into the full sentences: however
 * many there are, they never push the loss chart off the screen.
 * @param {HTMLElement} root holding a button.warnings-toggle and a ul.warnings
 */
export function createWarnings(root) {
  const toggle = root.querySelector('.warnings-toggle');
  const list = root.querySelector('.warnings');
  const summaryText = toggle.querySelector('.summary');
  let open = false;
  let shown = '';
  toggle.addEventListener('click', () => {
    open = !open;
    toggle.setAttribute('aria-expanded', String(open));
    list.hidden = !open;
  });
  return {
    update(notes) {
      const text = JSON.stringify(notes);
      if (text === shown) return;
      shown = text;
      root.hidden = notes.length === 0;
      root.classList.toggle('error', notes.some((n) => n.level === 'error'));
      // Written only when it changes: it is a live region, read out on each change.
      const summary = notes.length === 1 ? notes[0].title : `${notes.length} warnings: ${notes.map((n) => n.title).join(' · ')}`;
      if (summary !== summaryText.textContent) summaryText.textContent = summary;
      list.replaceChildren(...notes.map((note) => {
        const li = document.createElement('li');
        li.className = note.level;
        li.textContent = note.text;
        return li;
      }));
    },
  };
}
