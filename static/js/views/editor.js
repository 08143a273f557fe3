/**
 * The editor: the layer structure, activations, loss, learning rate, and the examples. Every
 * change hands `onChange` a function from the setup to the changed setup, so the orchestrator
 * applies it to the setup as it is then, even after earlier changes still on their way; the
 * API has the final word on what is valid.
 */

import { ACTIVATIONS, LIMITS, LOSSES, reshape, withLoss } from '../state.js';

/**
 * @param {HTMLElement} root
 * @param {{onChange: function(function(object): object): void, onClose: function(): void}} handlers
 */
export function createEditor(root, { onChange, onClose }) {
  const $ = (sel) => root.querySelector(sel);
  const layersInput = $('.layers');
  const activations = $('.activations');
  const loss = $('.loss');
  const lr = $('.lr');
  const biases = $('.update-biases');
  const data = $('.data');
  const message = $('.layers-message');
  let setup = null;

  LOSSES.forEach((name) => loss.add(new Option(name, name)));
  $('.close').addEventListener('click', onClose);
  // Typing in the editor must not step the visualizer; Escape still closes it.
  root.addEventListener('keydown', (event) => { if (event.key !== 'Escape') event.stopPropagation(); });

  layersInput.addEventListener('change', () => {
    const layers = layersInput.value.split(/[^0-9]+/).filter(Boolean).map(Number);
    const problem = layers.length < 2 ? 'at least an input and an output layer'
      : layers.length > LIMITS.maxWeightLayers + 1 ? `at most ${LIMITS.maxWeightLayers} weight layers`
        : layers.some((n) => n < 1 || n > LIMITS.maxNeurons) ? `1 to ${LIMITS.maxNeurons} neurons per layer` : '';
    message.textContent = problem ? `Needs ${problem}.` : '';
    if (!problem) onChange((s) => reshape(s, layers));
  });
  loss.addEventListener('change', () => { const name = loss.value; onChange((s) => withLoss(s, name)); });
  lr.addEventListener('change', () => {
    const value = Number(lr.value);
    if (Number.isFinite(value)) onChange((s) => ({ ...s, learning_rate: value }));
  });
  biases.addEventListener('change', () => { const on = biases.checked; onChange((s) => ({ ...s, update_biases: on })); });
  activations.addEventListener('change', (event) => {
    const l = Number(event.target.dataset.layer);
    const name = event.target.value;
    onChange((s) => {
      const next = [...s.network.activations];
      next[l] = name;
      return { ...s, network: { ...s.network, activations: next } };
    });
  });
  data.addEventListener('change', (event) => {
    const { kind, row, col } = event.target.dataset;
    const value = Number(event.target.value);
    if (!kind || !Number.isFinite(value)) return;
    onChange((s) => {
      const rows = s[kind].map((r) => [...r]);
      if (rows[+row]) rows[+row][+col] = value;
      return { ...s, [kind]: rows };
    });
  });
  $('.add-example').addEventListener('click', () => {
    onChange((s) => ({ ...s, inputs: [...s.inputs, [...s.inputs[s.inputs.length - 1]]], targets: [...s.targets, [...s.targets[s.targets.length - 1]]] }));
  });
  $('.remove-example').addEventListener('click', () => {
    onChange((s) => (s.inputs.length > 1 ? { ...s, inputs: s.inputs.slice(0, -1), targets: s.targets.slice(0, -1) } : s));
  });

  function numberCell(tr, kind, row, col, value) {
    const input = document.createElement('input');
    Object.assign(input, { type: 'number', step: 'any', value: String(value) });
    Object.assign(input.dataset, { kind, row, col });
    input.setAttribute('aria-label', `${kind === 'inputs' ? 'input' : 'target'} ${col + 1} of example ${row + 1}`);
    tr.insertCell().appendChild(input);
  }

  /** @param {object} next the setup to show */
  function update(next) {
    if (next === setup) return;
    setup = next;
    const { network } = setup;
    if (document.activeElement !== layersInput) layersInput.value = network.layers.join('-');
    activations.replaceChildren();
    network.activations.forEach((name, l) => {
      const label = document.createElement('label');
      label.textContent = l === network.activations.length - 1 ? 'output ' : `layer ${l + 1} `;
      const select = document.createElement('select');
      select.dataset.layer = String(l);
      ACTIVATIONS.filter((a) => a !== 'softmax' || l === network.activations.length - 1).forEach((a) => select.add(new Option(a, a)));
      select.value = name;
      label.appendChild(select);
      activations.appendChild(label);
    });
    loss.value = setup.loss;
    lr.value = String(setup.learning_rate);
    biases.checked = setup.update_biases;
    const table = document.createElement('table');
    const head = table.createTHead().insertRow();
    const th = (text) => { const cell = document.createElement('th'); cell.textContent = text; head.appendChild(cell); };
    th('#');
    for (let k = 0; k < network.layers[0]; k += 1) th(`x${k + 1}`);
    for (let k = 0; k < network.layers[network.layers.length - 1]; k += 1) th(`t${k + 1}`);
    const body = table.createTBody();
    setup.inputs.slice(0, 32).forEach((inputs, i) => {
      const tr = body.insertRow();
      tr.insertCell().textContent = `${i + 1}`;
      inputs.forEach((v, k) => numberCell(tr, 'inputs', i, k, v));
      setup.targets[i].forEach((v, k) => numberCell(tr, 'targets', i, k, v));
    });
    data.replaceChildren(table);
  }

  /** Focuses the field for one input or target of an example. */
  function focusField(kind, row, col) {
    root.querySelector(`input[data-kind="${kind}"][data-row="${row}"][data-col="${col}"]`)?.focus();
  }

  return { update, focusField };
}
