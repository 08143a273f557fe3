/** The toolbar: presets, stepping, speed, decimals, editor, undo, projector mode, help. */

import { DECIMALS, SPEEDS } from '../stepper/state.js';

/**
 * Any subset of the controls may be present (the step bar at the foot of the page has only
 * Back, Play, Next and the projector switch): those that are missing are skipped.
 * @param {HTMLElement} root
 * @param {object} actions callbacks: preset(name), prev(), next(), play(), speed(x),
 *   decimals(n), edit(), undo(), projector(), exit(), help(), matrices()
 */
export function createToolbar(root, actions) {
  const $ = (sel) => root.querySelector(sel);
  const presetSelect = $('.preset');
  const speed = $('.speed');
  const decimals = $('.decimals');
  SPEEDS.forEach((s) => speed?.add(new Option(`${s}×`, String(s))));
  DECIMALS.forEach((d) => decimals?.add(new Option(`${d} decimals`, String(d))));
  presetSelect?.addEventListener('change', () => { if (presetSelect.value) actions.preset(presetSelect.value); });
  speed?.addEventListener('change', () => actions.speed(Number(speed.value)));
  decimals?.addEventListener('change', () => actions.decimals(Number(decimals.value)));
  for (const name of ['prev', 'next', 'play', 'edit', 'undo', 'projector', 'exit', 'help', 'matrices']) {
    $(`.${name}`)?.addEventListener('click', () => actions[name]());
  }

  function setPresets(list) {
    presetSelect.replaceChildren(new Option('Custom network', ''));
    list.forEach((p) => presetSelect.add(new Option(p.title, p.name)));
  }

  /** @param {object} state the page state; canUndo whether there is an edit to undo */
  function update(state, canUndo) {
    if (presetSelect) presetSelect.value = state.preset || '';
    if (speed) speed.value = String(state.view.speed);
    if (decimals) decimals.value = String(state.view.decimals);
    const play = $('.play');
    if (play) {
      play.textContent = state.view.playing ? '❚❚ Pause' : '▶ Play';
      play.setAttribute('aria-pressed', String(state.view.playing));
    }
    $('.projector')?.setAttribute('aria-pressed', String(state.view.projector));
    $('.matrices')?.setAttribute('aria-pressed', String(Boolean(state.view.matrices)));
    const undo = $('.undo');
    if (undo) undo.disabled = !canUndo;
  }

  return { update, setPresets };
}
