/**
 * The handout: one training step of any state, worked through on paper. Every small step the
 * page shows, in order, with the same wording and formulas (`describe`), after a diagram of
 * the network with the forward and backward values filled in.
 */

import * as api from '../api.js';
import { render } from '../math.js';
import { describe } from '../stepthrough/describe.js';
import { exampleValues } from '../stepthrough/example.js';
import { neuronNames, NOTATION } from '../stepthrough/notation.js';
import { dependencyPath } from '../stepthrough/parameters.js';
import { buildSteps, PHASE_LABELS, revealed } from '../stepthrough/sequence.js';
import { fromPreset, learningRate, traceRequest } from './state.js';
import { decode } from './state-read.js';
import { createDiagram } from '../views/diagram.js';

const $ = (sel) => document.querySelector(sel);

function showError(text) {
  $('#error .message').textContent = text;
  $('#error').hidden = !text;
}

/** The state a link asks for, else the preset it names, else the classic example. */
async function linkedState(search) {
  const { state, problems } = decode(search);
  if (state) return { state, problems };
  const asked = new URLSearchParams(search).get('preset');
  const list = await api.presets();
  const name = list.some((p) => p.name === asked) ? asked : 'classic';
  if (asked !== null && name !== asked) problems.push(`There is no preset called “${asked.slice(0, 40)}”; this is ${name}.`);
  return { state: fromPreset(name, (await api.preset(name)).request), problems };
}

function setupText(setup, iteration) {
  const { layers, activations } = setup.network;
  const n = setup.inputs.length;
  const optimizer = setup.optimizer && setup.optimizer.name !== 'sgd' ? `, ${NOTATION.optimizers[setup.optimizer.name].label}` : '';
  const reg = setup.regularization && setup.regularization.kind !== 'none' ? `, ${NOTATION.regularizations[setup.regularization.kind].label} λ = ${setup.regularization.rate}` : '';
  return `A ${layers.join('-')} network (${activations.join(', ')}), loss ${setup.loss}, learning rate η = ${learningRate(setup)}${optimizer}${reg}`
    + `${setup.update_biases ? '' : ', biases not updated'}; ${n === 1 ? 'one example' : `a batch of ${n} examples`}`
    + `${iteration > 0 ? `; training step ${iteration + 1}, from the weights the step before left` : ''}.`;
}

function dataTable(setup) {
  const table = $('.handout-data');
  const head = table.createTHead().insertRow();
  const cell = (row, text, tag = 'td') => { const c = document.createElement(tag); c.textContent = text; row.appendChild(c); };
  cell(head, 'example', 'th');
  setup.inputs[0].forEach((_, k) => cell(head, `x${k + 1}`, 'th'));
  setup.targets[0].forEach((_, k) => cell(head, `t${k + 1}`, 'th'));
  const body = table.createTBody();
  setup.inputs.slice(0, 16).forEach((row, i) => {
    const tr = body.insertRow();
    cell(tr, String(i + 1));
    [...row, ...setup.targets[i]].forEach((v) => cell(tr, String(v)));
  });
}

async function start() {
  const { state, problems } = await linkedState(location.search);
  const { setup } = state;
  let network = setup.network;
  let optimizerState = setup.optimizer?.state ?? null;
  let trace = null;
  try {
    for (let i = 0; i <= state.position.iteration; i += 1) {
      if (trace) { network = trace.network; optimizerState = trace.optimizer?.state ?? null; }
      trace = await api.trace(traceRequest(setup, network, optimizerState));
    }
  } catch (error) {
    showError(`This state cannot be worked through: ${error.message}`);
    return;
  }
  const { layers } = network;
  const names = neuronNames(layers, state.view.inputNames);
  const decimals = state.view.decimals;
  const example = Math.min(state.view.example, setup.inputs.length - 1);
  const ctx = { setup, trace, names, decimals, network, next: trace.network, example, optimizerState };
  const steps = buildSteps(layers, setup);

  $('.handout-setup').textContent = setupText(setup, state.position.iteration);
  dataTable(setup);
  const beforeUpdate = steps.findIndex((s) => s.phase === 'update') - 1;
  const diagram = createDiagram($('#diagram'), { onSelect: () => {} });
  diagram.update({ layers, names, network, next: trace.network, ex: exampleValues(trace, setup, example),
    known: revealed(steps, beforeUpdate), touch: {}, selected: null, path: dependencyPath(layers, null), decimals });
  $('.handout-caption').textContent = `After the forward and backward passes${setup.inputs.length > 1 ? `, example ${example + 1}` : ''}: activations in the neurons, each neuron's error δ below it, the weights before the update.`;

  const list = $('.handout-steps');
  let phase = '';
  steps.forEach((step) => {
    const described = describe(step, ctx);
    const item = document.createElement('li');
    item.className = 'handout-step';
    if (step.phase !== phase) {
      phase = step.phase;
      item.dataset.phase = PHASE_LABELS[phase];
      item.classList.add('phase-start');
    }
    const title = document.createElement('h2');
    title.textContent = described.title;
    const text = document.createElement('p');
    text.textContent = described.text;
    const formula = document.createElement('div');
    formula.className = 'formula';
    formula.appendChild(render(described.math));
    item.append(title, text, formula);
    list.appendChild(item);
  });
  showError(problems.join(' '));
  document.body.classList.add('ready');
}

$('.print').addEventListener('click', () => window.print());
start();
