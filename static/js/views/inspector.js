/**
 * The weight inspector: one parameter's whole chain-rule product with numbers, its value (edit
 * it here), the loss-slice plot, the gradient check, the optimizer's state for it, and each
 * example's gradient beside the mean.
 */

import { fmt } from '../format.js';
import { render } from '../math.js';
import { fmtSmall, nameText, weightNumber } from '../stepthrough/notation.js';
import { OPTIMIZER_MODULES } from '../stepthrough/optimizers/index.js';
import { PENALTIES } from '../stepthrough/penalties.js';
import { accept, parseNumber, refuse as refuseField } from './fields.js';
import { createSlicePlot } from './sliceplot.js';

/**
 * @param {HTMLElement} root
 * @param {{onEdit: function(object, number): void, onClose: function(): void}} handlers
 */
export function createInspector(root, { onEdit, onClose }) {
  const empty = root.querySelector('.inspector-empty');
  const body = root.querySelector('.inspector-body');
  const heading = root.querySelector('.param-name');
  const input = root.querySelector('.param-value');
  const chain = root.querySelector('.chain');
  const badge = root.querySelector('.grad-check');
  const batch = root.querySelector('.batch');
  const optState = root.querySelector('.opt-state');
  const plot = createSlicePlot(root.querySelector('.slice'));
  const sliceNote = root.querySelector('.slice-problem');
  let current = null;

  root.querySelector('.close').addEventListener('click', onClose);
  let shownValue = null;
  let name = '';
  input.addEventListener('change', () => {
    if (!current) return;
    const { value, problem } = parseNumber(input.value, { name });
    if (problem) { refuse('value', `${problem}; it stays ${shownValue}.`); return; }
    accept(input);
    onEdit(current, value);
  });
  // Keys typed into the value box are for the box, not for stepping; Escape leaves it.
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') input.blur();
    else event.stopPropagation();
  });

  /** The parameter's display name: w5, or b_h1. */
  function paramName(layers, names, p) {
    return p.kind === 'weight' ? `w${weightNumber(layers, p.layer, p.row, p.col)}` : `b${nameText(names[p.layer + 1][p.row])}`;
  }

  /**
   * Shows the value in use again and says why the typed one was not used.
   * @param {string} _key the field (the inspector has one: 'value')
   * @param {string} text
   */
  function refuse(_key, text) {
    input.value = String(shownValue);
    refuseField(input, text);
  }

  /**
   * The gradient the update used (with its penalty) and the optimizer's state for this
   * parameter, before the step → after it: momentum's velocity, Adam's m, v, m̂ and v̂.
   * @param {object|null} u stepthrough's `parameterUpdate` numbers
   */
  function showOptimizerState(u, decimals) {
    optState.replaceChildren();
    const s = (v) => fmtSmall(v, decimals);
    const shown = u && OPTIMIZER_MODULES[u.name].inspect(u, s); // the optimizer's own lines, or null
    optState.hidden = !shown;
    if (optState.hidden) return;
    const items = [];
    if (u.penalty) items.push(`g = ∂L/∂${name} + λ·${PENALTIES[u.penalty.kind].text(name)} = ${fmt(u.g, decimals)}`);
    if (u.frozen) items.push('frozen: no step, its state kept');
    else items.push(...shown.items);
    const title = document.createElement('strong');
    title.textContent = shown.title;
    // Each value whole on a line: the line breaks between them, never inside one.
    optState.append(title, ...items.map((text) => Object.assign(document.createElement('span'), { textContent: text })));
  }

  /**
   * @param {object} view {selected, layers, names, network, trace, described, update, slice, decimals, example, n}
   */
  function update(view) {
    const p = view.selected;
    if (p !== current) accept(input);
    current = p;
    root.classList.toggle('has-selection', Boolean(p));
    empty.hidden = Boolean(p);
    body.hidden = !p;
    if (!p) return;
    const f = (v) => fmt(v, view.decimals);
    name = paramName(view.layers, view.names, p);
    const from = p.kind === 'weight' ? `${nameText(view.names[p.layer][p.col])} → ` : 'bias of ';
    heading.textContent = `${name}: ${from}${nameText(view.names[p.layer + 1][p.row])}`;
    const value = p.kind === 'weight' ? view.network.weights[p.layer][p.row][p.col] : view.network.biases[p.layer][p.row];
    if (document.activeElement !== input && value !== shownValue) input.value = String(value);
    shownValue = value;
    chain.replaceChildren(render(view.described.math));

    const grads = view.trace.backward[p.layer];
    const analytic = p.kind === 'weight' ? grads.dL_dW[p.row][p.col] : grads.dL_db[p.row];
    const check = view.trace.gradient_check;
    if (check) {
      const numeric = p.kind === 'weight' ? check.dL_dW[p.layer][p.row][p.col] : check.dL_db[p.layer][p.row];
      const scale = Math.max(Math.abs(analytic), Math.abs(numeric), 1e-7);
      const error = Math.abs(analytic - numeric) / scale;
      const ok = error < 1e-4;
      badge.className = `grad-check ${ok ? 'ok' : 'bad'}`;
      badge.textContent = `${ok ? '✓' : '✗'} gradient check: backprop ${analytic.toPrecision(8)}, finite differences ${numeric.toPrecision(8)}, relative error ${error.toExponential(1)}`;
    } else {
      badge.className = 'grad-check';
      badge.textContent = 'gradient check: off here (over 1,000 parameters, or examples × parameters² over 10⁸: too slow to check)';
    }

    showOptimizerState(view.update, view.decimals);
    batch.replaceChildren();
    const per = view.trace.per_example?.[p.layer];
    if (per && view.n > 1) {
      const table = document.createElement('table');
      const head = table.createTHead().insertRow();
      ['example', `∂L/∂${name}`].forEach((t) => { const th = document.createElement('th'); th.textContent = t; head.appendChild(th); });
      const tbody = table.createTBody();
      const values = per.dL_dW.map((m, i) => (p.kind === 'weight' ? m[p.row][p.col] : per.dL_db[i][p.row]));
      const max = Math.max(1e-12, ...values.map(Math.abs));
      values.slice(0, 8).forEach((v, i) => {
        const tr = tbody.insertRow();
        tr.classList.toggle('current-example', i === view.example);
        tr.insertCell().textContent = `${i + 1}`;
        const cell = tr.insertCell();
        const bar = document.createElement('span');
        bar.className = `bar ${v < 0 ? 'negative' : ''}`;
        bar.style.width = `${(50 * Math.abs(v)) / max}%`;
        const num = document.createElement('span');
        num.textContent = f(v);
        cell.append(num, bar);
      });
      const foot = table.createTFoot().insertRow();
      foot.insertCell().textContent = `${values.length > 8 ? `mean of ${values.length}` : 'mean'}, used by the update`;
      foot.insertCell().textContent = f(analytic);
      batch.appendChild(table);
    }
    plot.update(view.slice, name, view.decimals);
    sliceNote.textContent = view.sliceProblem ?? '';
    sliceNote.hidden = !view.sliceProblem;
  }

  return { update, refuse };
}
