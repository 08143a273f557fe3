/**
 * The editor: the layer structure, activations, loss, learning rate, optimizer and its
 * parameters, regularisation, and the examples. Every
 * change hands `onChange` a function from the setup to the changed setup, so the orchestrator
 * applies it to the setup as it is then, even after earlier changes still on their way, and
 * the key of the field it came from. What the page can tell is wrong is refused here, next to
 * the field, before anything changes; the API has the final word on the rest (`refuse`).
 */

import { ACTIVATIONS, learningRate, LIMITS, LOSSES, MAX_REGULARIZATION_RATE, OPTIMIZER_DEFAULTS, OPTIMIZERS, REGULARIZATIONS, reshape, withLearningRate, withLoss, withOptimizer, withRegularization } from '../stepper/state.js';
import { capitalised, NOTATION } from '../stepthrough/notation.js';
import { accept, parseNumber, refuse as refuseField } from './fields.js';

/** Layer sizes exactly as typed: whole numbers joined by dashes, commas, spaces or x. */
export function parseLayers(text) {
  const parts = text.trim().split(/\s*[-,x×\s]\s*/);
  if (!parts.every((p) => /^[0-9]+$/.test(p))) return { problem: 'layers are whole numbers joined by dashes, like 2-3-2' };
  const layers = parts.map(Number);
  if (layers.length < 2) return { problem: 'layers need at least an input and an output layer' };
  if (layers.length > LIMITS.max_weight_layers + 1) return { problem: `layers allow at most ${LIMITS.max_weight_layers} weight layers` };
  if (layers.some((n) => n < 1 || n > LIMITS.max_neurons)) return { problem: `each layer has 1 to ${LIMITS.max_neurons} neurons` };
  return { layers };
}

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
  const optimizer = $('.optimizer');
  const regularization = $('.regularization');
  const regRate = $('.reg-rate');
  const data = $('.data');
  let setup = null;
  let tableShape = ''; // examples shown, inputs, outputs: the data table is rebuilt when it changes

  LOSSES.forEach((name) => loss.add(new Option(name, name)));
  OPTIMIZERS.forEach((name) => optimizer.add(new Option(NOTATION.optimizers[name].label, name)));
  REGULARIZATIONS.forEach((name) => regularization.add(new Option(NOTATION.regularizations[name].label, name)));
  $('.close').addEventListener('click', onClose);
  // Typing in the editor must not step the visualizer; Escape still closes it.
  root.addEventListener('keydown', (event) => { if (event.key !== 'Escape') event.stopPropagation(); });

  /**
   * The field a key names: 'layers', 'lr', 'loss', 'update-biases', 'optimizer', 'momentum',
   * 'beta1', 'beta2', 'eps', 'regularization', 'reg-rate', 'activation:l', 'inputs:i:k'.
   */
  function field(key) {
    const [kind, a, b] = key.split(':');
    if (kind === 'activation') return activations.querySelector(`select[data-layer="${a}"]`);
    if (kind === 'inputs' || kind === 'targets') return data.querySelector(`input[data-kind="${kind}"][data-row="${a}"][data-col="${b}"]`);
    return $(`.${kind}`);
  }

  /**
   * Shows the setup in use again, then marks the field with why its value was not used.
   * @param {string} key the field's key
   * @param {string} text the sentence to show
   */
  function refuse(key, text) {
    const shown = setup;
    setup = null;
    update(shown);
    layersInput.value = shown.network.layers.join('-'); // even while it has the focus
    const target = field(key);
    if (target) refuseField(target, text);
  }

  const change = (key, fn) => { accept(field(key)); onChange(fn, key); };

  layersInput.addEventListener('change', () => {
    const typed = layersInput.value;
    const { layers, problem } = parseLayers(typed);
    if (problem) refuse('layers', `“${typed}” was not used: ${problem}. Still ${setup.network.layers.join('-')}.`);
    else change('layers', (s) => reshape(s, layers));
  });
  loss.addEventListener('change', () => { const name = loss.value; change('loss', (s) => withLoss(s, name)); });
  lr.addEventListener('change', () => {
    const { value, problem } = parseNumber(lr.value, { min: 0, max: LIMITS.max_learning_rate, name: 'The learning rate' });
    const zero = !problem && value === 0 && setup.optimizer ? `The learning rate of ${optimizer.selectedOptions[0].text} must be above 0` : '';
    if (problem || zero) refuse('lr', `${problem || zero}; it stays ${learningRate(setup)}.`);
    else change('lr', (s) => withLearningRate(s, value));
  });
  optimizer.addEventListener('change', () => { const name = optimizer.value; change('optimizer', (s) => withOptimizer(s, name)); });
  // Each optimizer's own settings (μ, β₁, β₂, ε), within the bounds its catalog entry gives.
  for (const [key, hp] of Object.values(NOTATION.optimizers).flatMap((o) => Object.entries(o.hyperparameters))) {
    const input = $(`.${key}`);
    const title = capitalised(hp.label);
    input.addEventListener('change', () => {
      const kept = setup.optimizer?.[key] ?? OPTIMIZER_DEFAULTS[key];
      const { value, problem } = parseNumber(input.value, { min: hp.min, max: hp.max, name: title });
      const edge = (hp.min_exclusive && value === hp.min && `${title} must be above ${hp.min}`)
        || (hp.max_exclusive && value === hp.max && `${title} must be below ${hp.max}`);
      if (problem || edge) refuse(key, `${problem || edge}; it stays ${kept}.`);
      else change(key, (s) => ({ ...s, optimizer: { ...s.optimizer, [key]: value } }));
    });
  }
  regularization.addEventListener('change', () => {
    const kind = regularization.value;
    change('regularization', (s) => withRegularization(s, kind, s.regularization?.rate || 0.01));
  });
  regRate.addEventListener('change', () => {
    const { value, problem } = parseNumber(regRate.value, { min: 0, max: MAX_REGULARIZATION_RATE, name: 'The rate λ' });
    if (problem) refuse('reg-rate', `${problem}; it stays ${setup.regularization?.rate ?? 0}.`);
    else change('reg-rate', (s) => withRegularization(s, s.regularization?.kind ?? 'l2', value));
  });
  biases.addEventListener('change', () => { const on = biases.checked; change('update-biases', (s) => ({ ...s, update_biases: on })); });
  activations.addEventListener('change', (event) => {
    const l = Number(event.target.dataset.layer);
    const name = event.target.value;
    change(`activation:${l}`, (s) => {
      const next = [...s.network.activations];
      next[l] = name;
      return { ...s, network: { ...s.network, activations: next } };
    });
  });
  // A cell being typed into keeps what is typed until it is committed (change) or left.
  data.addEventListener('input', (event) => { if (event.target.dataset.kind) event.target.dataset.typing = '1'; });
  data.addEventListener('focusout', (event) => { delete event.target.dataset.typing; });
  data.addEventListener('change', (event) => {
    delete event.target.dataset.typing;
    const { kind, row, col } = event.target.dataset;
    if (!kind) return;
    const key = `${kind}:${row}:${col}`;
    const name = `${kind === 'inputs' ? 'Input' : 'Target'} ${+col + 1} of example ${+row + 1}`;
    const { value, problem } = parseNumber(event.target.value, { name });
    if (problem) { refuse(key, `${problem}; it stays ${setup[kind][+row][+col]}.`); return; }
    change(key, (s) => {
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
    // Fields are rebuilt only when their number changes, and otherwise set in place: a refusal
    // marked on one, or a value being typed into one, survives an answer arriving meanwhile.
    if (activations.querySelectorAll('select').length !== network.activations.length) {
      activations.replaceChildren();
      network.activations.forEach((name, l) => {
        const label = document.createElement('label');
        label.textContent = l === network.activations.length - 1 ? 'output ' : `layer ${l + 1} `;
        const select = document.createElement('select');
        select.dataset.layer = String(l);
        ACTIVATIONS.filter((a) => a !== 'softmax' || l === network.activations.length - 1).forEach((a) => select.add(new Option(a, a)));
        label.appendChild(select);
        activations.appendChild(label);
      });
    }
    activations.querySelectorAll('select').forEach((select, l) => { select.value = network.activations[l]; });
    loss.value = setup.loss;
    lr.value = String(learningRate(setup));
    const name = setup.optimizer?.name ?? 'sgd';
    optimizer.value = name;
    for (const key of Object.keys(OPTIMIZER_DEFAULTS)) $(`.${key}`).value = String(setup.optimizer?.[key] ?? OPTIMIZER_DEFAULTS[key]);
    root.querySelectorAll('[data-optimizer]').forEach((label) => { label.hidden = label.dataset.optimizer !== name; });
    const reg = setup.regularization ?? { kind: 'none', rate: 0 };
    regularization.value = reg.kind;
    regRate.value = String(reg.rate ?? 0);
    regRate.closest('label').hidden = reg.kind === 'none';
    biases.checked = setup.update_biases;
    const shape = JSON.stringify([Math.min(setup.inputs.length, 32), network.layers[0], network.layers[network.layers.length - 1]]);
    if (shape === tableShape) {
      data.querySelectorAll('input[data-kind]').forEach((input) => {
        const { kind, row, col } = input.dataset;
        if (!input.dataset.typing) input.value = String(setup[kind][+row][+col]);
      });
      return;
    }
    tableShape = shape;
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

  return { update, focusField, refuse };
}
