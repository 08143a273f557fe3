/** The step bar: one segment per phase, sized by its number of steps, with the position marked. */

import { PHASES, PHASE_LABELS } from '../stepthrough/sequence.js';

/**
 * @param {HTMLElement} root
 * @param {{onJump: function(number): void}} handlers
 */
export function createTimeline(root, { onJump }) {
  const bar = root.querySelector('.phases');
  const status = root.querySelector('.position');
  let shape = '';
  let segments = [];

  function build(steps) {
    bar.replaceChildren();
    segments = PHASES.map((phase) => {
      const first = steps.findIndex((s) => s.phase === phase);
      const count = steps.filter((s) => s.phase === phase).length;
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'phase-segment';
      button.dataset.phase = phase;
      button.title = `Jump to ${PHASE_LABELS[phase]} (key ${PHASES.indexOf(phase) + 1})`;
      button.style.flexGrow = String(Math.max(count, 2));
      const label = document.createElement('span');
      label.textContent = PHASE_LABELS[phase];
      const fill = document.createElement('span');
      fill.className = 'fill';
      button.append(fill, label);
      button.addEventListener('click', () => onJump(first));
      bar.appendChild(button);
      return { phase, first, count, button, fill };
    });
  }

  function update(steps, index, iteration) {
    const key = steps.map((s) => s.kind).join();
    if (key !== shape) { shape = key; build(steps); }
    for (const seg of segments) {
      const done = Math.min(seg.count, Math.max(0, index - seg.first + 1));
      seg.fill.style.width = `${(100 * done) / seg.count}%`;
      seg.button.classList.toggle('current', steps[index].phase === seg.phase);
    }
    const text = `Training step ${iteration + 1} · step ${index + 1} of ${steps.length}`;
    if (status.dataset.text !== text) {
      status.dataset.text = text;
      const [training, small] = text.split(' · ');
      status.replaceChildren(Object.assign(document.createElement('span'), { textContent: `${training} · ` }),
        Object.assign(document.createElement('span'), { textContent: small }));
    }
  }

  return { update };
}
