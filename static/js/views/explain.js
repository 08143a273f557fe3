/** The explanation panel: the step's title, a sentence, and the formula with the numbers in it. */

import { plain, render } from '../math.js';
import { PHASE_LABELS } from '../stepthrough/sequence.js';

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

  /** A length from the stylesheet ('22px', '0.9rem') in pixels. */
  function toPixels(length) {
    const value = parseFloat(length) || 0;
    return length.trim().endsWith('rem') ? value * parseFloat(getComputedStyle(document.documentElement).fontSize) : value;
  }

  /**
   * Scales the formula down until it fits its panel, so a clicker never needs to scroll, but
   * not below the size the stylesheet sets as readable (`--formula-min`); past that it wraps
   * onto a scroll the panel shows.
   */
  function fit() {
    formula.style.setProperty('--fit', '1');
    const math = formula.firstElementChild;
    if (!math || !root.clientWidth) return;
    const style = getComputedStyle(formula);
    const size = parseFloat(style.fontSize);
    const least = toPixels(style.getPropertyValue('--formula-min'));
    // A block <math> is as wide as its panel: its first child is as wide as the formula.
    const box = (math.firstElementChild ?? math).getBoundingClientRect();
    const wide = box.width;
    const tall = math.getBoundingClientRect().height;
    const spare = root.clientHeight - (root.scrollHeight - tall); // the height the formula may take
    const scale = Math.min(1, (formula.clientWidth - 2) / wide, spare > 0 ? spare / tall : 1);
    formula.style.setProperty('--fit', String(Math.max(scale, least / size, 0.5).toFixed(3)));
    fitted = `${root.clientWidth}x${root.clientHeight}`;
  }
  let fitted = '';
  // Refit when the panel changes size (projector mode, the inspector opening), not when the
  // fit itself resized it.
  // Fitting resizes the panel itself, so it waits for the next frame: a size changed inside a
  // ResizeObserver callback is reported as an error ("loop completed with undelivered ...").
  let pending = 0;
  new ResizeObserver(() => {
    cancelAnimationFrame(pending);
    pending = requestAnimationFrame(() => { if (`${root.clientWidth}x${root.clientHeight}` !== fitted) fit(); });
  }).observe(root);

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
    fit();
    live.textContent = `${described.title}. ${described.text} ${plain(described.math).replace(/\s+/g, ' ')}`;
  }

  return { update };
}
