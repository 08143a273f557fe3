/**
 * What is going wrong, in a sentence, with why and what to try: divergence, dead ReLUs,
 * saturated neurons, vanishing gradients. Pure `diagnose` (testable), DOM in `createWarnings`.
 */

/**
 * @param {object} lab settings
 * @param {object|null} run the last /train answer
 * @param {object[]} history every epoch so far
 * @returns {{level: string, text: string}[]}
 */
export function diagnose(lab, run, history) {
  const notes = [];
  if (!run) return notes;
  if (run.diverged) {
    notes.push({ level: 'error', text: `Training diverged at epoch ${run.diverged_at_epoch}: the loss overflowed. The learning rate (${lab.learning_rate}) is too large for this network; try ${lab.learning_rate / 10}, then reset.` });
  }
  run.neurons.slice(0, -1).forEach((layer, h) => {
    const dead = layer.dead.filter(Boolean).length;
    if (dead) {
      notes.push({ level: 'warning', text: `${dead} of ${layer.dead.length} neurons in hidden layer ${h + 1} are dead: no training point makes them positive, so their weights get no gradient and stop learning. Try leaky_relu, a smaller learning rate, or another seed.` });
    }
    const saturated = layer.saturated.filter((s) => s > 0.9).length;
    if (saturated) {
      notes.push({ level: 'warning', text: `${saturated} neuron${saturated > 1 ? 's' : ''} in hidden layer ${h + 1} ${saturated > 1 ? 'are' : 'is'} saturated for over 90% of the points: ${lab.activation}'s slope is nearly 0 there, so little gradient passes through. Try a smaller learning rate, relu, or fewer features with large values (x²).` });
    }
  });
  const last = history[history.length - 1];
  if (last && last.grad_norms.length > 2) {
    const first = last.grad_norms[0]; const out = last.grad_norms[last.grad_norms.length - 1];
    if (out > 1e-8 && first / out < 1e-2) {
      notes.push({ level: 'warning', text: `Vanishing gradients: the first layer's gradient is ${(first / out).toExponential(1)} times the last layer's, so the early layers barely learn. Each ${lab.activation} layer multiplies the error by its slope (at most ${lab.activation === 'sigmoid' ? '0.25' : '1'}). Try relu or tanh, or fewer layers.` });
    }
  }
  return notes;
}

/** @param {HTMLElement} list a <ul> */
export function createWarnings(list) {
  return {
    update(notes) {
      list.replaceChildren(...notes.map((note) => {
        const li = document.createElement('li');
        li.className = note.level;
        li.textContent = note.text;
        return li;
      }));
      list.hidden = notes.length === 0;
    },
  };
}
