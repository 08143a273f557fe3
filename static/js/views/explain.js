/** The explanation panel: the step's title, a sentence, and the formula with the numbers in it. */

import { plain, render } from '../math.js';
import { PHASE_LABELS } from '../steps.js';

/**
 * @param {HTMLElement} root the panel
 * @param {HTMLElement} live an aria-live region that announces each step
 */
export function createExplainer(root, live) {
  const phase = root.querySelector('.phase');
  const title = root.querySelector('.step-title');
  const text = root.querySelector('.step-text');
  const formula = root.querySelector('.formula');
  let last = '';

  /** @param {{phase: string, title: string, text: string, math: object}} step */
  function update(step, described) {
    const key = `${step.phase}|${described.title}|${plain(described.math)}`;
    if (key === last) return;
    last = key;
    phase.textContent = PHASE_LABELS[step.phase];
    phase.dataset.phase = step.phase;
    title.textContent = described.title;
    text.textContent = described.text;
    formula.replaceChildren(render(described.math));
    live.textContent = `${described.title}. ${described.text} ${plain(described.math).replace(/\s+/g, ' ')}`;
  }

  return { update };
}
