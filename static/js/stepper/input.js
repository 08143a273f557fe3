/**
 * The stepper's input: keys (as a clicker sends them), taps on the diagram's neurons, and swipes
 * across it, each turned into one of the stepper's actions. A follower's page takes only the
 * keys that change its own view. Binds its listeners when made; holds no state of the stepper's.
 */

const SWIPE_PX = 50; // a horizontal swipe at least this long steps
const FOLLOWER_KEYS = new Set(['p', 'P', '?', 'Escape']);

/** Each key's action, by the name the stepper gives it (the digits 1–5 jump to a phase). */
export const KEYS = {
  ArrowRight: 'next', PageDown: 'next', ArrowDown: 'next',
  ArrowLeft: 'prev', PageUp: 'prev', ArrowUp: 'prev',
  ' ': 'play',
  Home: 'first',
  End: 'last',
  ']': 'nextPhase',
  '[': 'prevPhase',
  '+': 'faster', '=': 'faster', '-': 'slower',
  w: 'nextParameter', W: 'prevParameter',
  x: 'nextExample', X: 'nextExample',
  e: 'edit', E: 'edit',
  p: 'projector', P: 'projector',
  '?': 'help',
  g: 'graph', G: 'graph',
  m: 'matrices', M: 'matrices',
  Escape: 'escape',
};

/**
 * @param {HTMLElement} root the stepper's root
 * @param {object} options
 * @param {boolean} options.follower
 * @param {function(): boolean} options.ready whether there is a step on screen to act on
 * @param {Object<string, function(): void>} options.actions the stepper's actions by name (KEYS names them)
 * @param {function(number): void} options.onPhase a digit 1–5: the phase to jump to
 * @param {function(): void} options.onUndo Ctrl+Z
 * @param {function(number, number): void} options.onNeuron a tap on a neuron past the inputs (layer index, neuron)
 * @param {function(string, number): void} options.onData a tap on an input neuron or a target ('inputs' or 'targets', which)
 * @param {function(number): void} options.onSwipe a swipe: 1 for next, -1 for back
 */
export function bindInput(root, { follower, ready, actions, onPhase, onUndo, onNeuron, onData, onSwipe }) {
  const diagram = root.querySelector('#diagram');

  root.ownerDocument.addEventListener('keydown', (event) => {
    if (!ready()) return;
    if (follower && !FOLLOWER_KEYS.has(event.key)) return;
    if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'z') { event.preventDefault(); onUndo(); return; }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const field = event.target.closest?.('input, select, textarea');
    if (field && event.key !== 'Escape') return;
    if (/^[1-5]$/.test(event.key)) {
      onPhase(Number(event.key));
      event.preventDefault();
      return;
    }
    const action = actions[KEYS[event.key]];
    if (action) { event.preventDefault(); action(); }
  });

  // A click or tap on a neuron past the inputs expands it into its computational graph.
  diagram.addEventListener('click', (event) => {
    const hit = event.target.closest('.neuron:not(.input)');
    if (follower || !hit || !ready()) return;
    const [i, j] = hit.dataset.neuron.split(',').map(Number);
    onNeuron(i, j);
  });

  // A click on an input neuron or a target opens its value in the editor.
  diagram.addEventListener('click', (event) => {
    if (follower) return;
    const neuron = event.target.closest('.neuron.input, .target');
    if (!neuron) return;
    const kind = neuron.classList.contains('target') ? 'targets' : 'inputs';
    const all = [...root.querySelectorAll(kind === 'targets' ? '.target' : '.neuron.input')];
    onData(kind, all.indexOf(neuron));
  });

  // A swipe across the diagram steps, as a clicker does: left for next, right for back.
  let swipe = null;
  const stage = root.querySelector('.diagram-panel');
  stage.addEventListener('pointerdown', (event) => {
    if (event.pointerType !== 'mouse' && !follower) swipe = { x: event.clientX, y: event.clientY };
  });
  stage.addEventListener('pointercancel', () => { swipe = null; });
  stage.addEventListener('pointerup', (event) => {
    if (!swipe || !ready()) return;
    const dx = event.clientX - swipe.x;
    const dy = event.clientY - swipe.y;
    swipe = null;
    if (Math.abs(dx) >= SWIPE_PX && Math.abs(dy) < Math.abs(dx) / 2) onSwipe(dx < 0 ? 1 : -1);
  });
}
