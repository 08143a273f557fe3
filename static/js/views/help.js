/** The keyboard help overlay. */

export const KEYS = [
  ['→  PageDown', 'next step (after the update: the next training step)'],
  ['←  PageUp', 'previous step, back through earlier training steps'],
  ['Space', 'play / pause'],
  ['+  −', 'faster / slower'],
  ['Home  End', 'start / end of this training step'],
  [']  [', 'next / previous phase'],
  ['1 – 5', 'inputs, forward, loss, backward, update'],
  ['W  Shift+W', 'inspect the next / previous weight or bias'],
  ['X', 'next example of the batch'],
  ['G', 'expand the step\'s neuron into its computational graph (or click a neuron); ← → step through it'],
  ['M', 'the current phase as matrices for the whole batch'],
  ['E', 'edit the network and the data'],
  ['P', 'projector mode'],
  ['Ctrl+Z', 'undo an edit'],
  ['Esc', 'close this, the editor, the graph, the matrices, or the inspector'],
  ['?', 'this help'],
];

/** @param {HTMLDialogElement} dialog */
export function createHelp(dialog) {
  const list = dialog.querySelector('dl');
  for (const [keys, what] of KEYS) {
    const dt = document.createElement('dt');
    keys.split('  ').forEach((k) => {
      const kbd = document.createElement('kbd');
      kbd.textContent = k;
      dt.appendChild(kbd);
    });
    const dd = document.createElement('dd');
    dd.textContent = what;
    list.append(dt, dd);
  }
  dialog.querySelector('.close').addEventListener('click', () => dialog.close());
  return {
    toggle() { if (dialog.open) dialog.close(); else dialog.showModal(); },
    get open() { return dialog.open; },
    close() { dialog.close(); },
  };
}
