/**
 * The current phase as matrices for the whole batch, what a framework computes: forward
 * Z = A·Wᵀ + b and A = f(Z); backward Δ = ∂L/∂A ⊙ f′(Z), ∂L/∂W = Δᵀ·A_prev, ∂L/∂b = Σ rows of
 * Δ, ∂L/∂A_prev = Δ·W; the update W ← W − η·∂L/∂W. Every entry is the trace's own number;
 * the entries the diagram's small step uses are marked, the one it computes framed. `matrixForm`
 * says what to show (pure); `createMatrices` shows it.
 */

import { fmt } from '../format.js';
import { activationSymbol, isFused, nameText, NOTATION } from '../stepthrough/notation.js';

/** Past this many rows or columns a matrix shows the first ones and those the step uses. */
export const MAX_ROWS = 8;
export const MAX_COLS = 6;

const SUP = '⁰¹²³⁴⁵⁶⁷⁸⁹';
const sup = (n) => String(n).split('').map((d) => SUP[Number(d)]).join('');
const range = (n) => Array.from({ length: n }, (_, i) => i);

/**
 * Each loss for the whole batch: how its formula wraps A and T (open, between, close), and its
 * derivative ∂L/∂A as terms around A and T, with its heading. One entry per loss the catalog
 * names (a Node test walks every name through the matrix form).
 */
export const MATRIX_LOSS = {
  mse: { open: 'mean((', between: '−', close: ')²)',
    dA: (A, T, n, K) => ['2(', A, '−', T, `) / ${n * K}`],
    dAHeading: (n, K) => `∂L/∂A = 2(A − T) / (N·K), N·K = ${n * K}` },
  bce: { open: 'BCE(', between: ',', close: ')',
    dA: (A, T, n, K) => ['(', A, '−', T, `) ⊘ (A ⊙ (1 − A)) / ${n * K}`],
    dAHeading: (n, K) => `∂L/∂A = (A − T) ⊘ (A ⊙ (1 − A)) / (N·K), N·K = ${n * K}` },
  cross_entropy: { open: 'CE(', between: ',', close: ')',
    dA: (A, T, n) => ['−', T, '⊘', A, `/ ${n}`],
    dAHeading: (n) => `∂L/∂A = −T ⊘ A / N, N = ${n}` },
};

/**
 * A matrix to show: `at(i, j)` its entries, `mark(i, j)` '' or 'used' or 'result'.
 * @returns {{key, name, rows, cols, rowAxis, colAxis, rowNames, colNames, at, mark}}
 */
function matrix(key, name, data, axes, names, mark = () => '') {
  const rows = data.length;
  const cols = rows ? data[0].length : 0;
  return { key, name, rows, cols, rowAxis: axes[0], colAxis: axes[1], rowNames: names[0], colNames: names[1], at: (i, j) => data[i][j], mark };
}

const transpose = (data) => (data.length ? data[0].map((_, j) => data.map((r) => r[j])) : []);

/** Marks: cells [i, j], whole rows, whole columns, each 'used' or 'result'. */
function marks({ cells = [], rows = [], cols = [] }, kind = 'used') {
  const c = new Set(cells.map(([i, j]) => `${i},${j}`));
  const r = new Set(rows);
  const k = new Set(cols);
  return (i, j) => (c.has(`${i},${j}`) || r.has(i) || k.has(j) ? kind : '');
}
const none = () => '';

/**
 * What the matrix view shows for a small step: a title, a note, and equations, each a list of
 * terms (matrices and the operators between them); `current` marks the one the step is about.
 * @param {object} step one of stepthrough/sequence.js' buildSteps
 * @param {object} ctx {setup, trace, network, names, example}
 */
export function matrixForm(step, ctx) {
  const { setup, trace, network, names } = ctx;
  const layers = network.layers;
  const L = layers.length - 1;
  const n = setup.inputs.length;
  const e = ctx.example;
  const examples = range(n).map((i) => `${i + 1}`);
  const neurons = (i) => names[i].map(nameText);
  const axis = (i) => {
    if (i === 0) return 'inputs';
    if (i === L) return 'outputs';
    return L > 2 ? `layer-${i} neurons` : 'hidden neurons';
  };
  const byExample = (i) => [['examples', axis(i)], [examples, neurons(i)]];
  const A = (i) => (i === 0 ? setup.inputs : trace.forward[i - 1].a);
  const aName = (i) => (i === 0 ? 'X' : `A${sup(i)}`);
  const K = layers[L];
  const batchNote = n > 1 ? `One row per example; the diagram shows example ${e + 1}.` : '';
  const meanNote = n > 1 ? ` The loss is a mean, so each gradient row carries a 1/${n}: the diagram shows ${n} × row ${e + 1}.` : '';

  if (step.phase === 'inputs') {
    return { title: `The batch as matrices: ${n} example${n > 1 ? 's' : ''}`, note: batchNote, equations: [
      { heading: 'Each example is one row', current: true, terms: [
        matrix('X', 'X', setup.inputs, ...byExample(0), marks({ rows: [e] })),
        matrix('T', 'T', setup.targets, ['examples', 'targets'], [examples, range(K).map((j) => `t${j + 1}`)], marks({ rows: [e] }))] }] };
  }

  if (step.phase === 'forward') {
    const l = step.layer;
    const j = step.neuron;
    const isZ = step.kind === 'z';
    const W = network.weights[l];
    const f = activationSymbol(network.activations[l]);
    return { title: `Forward, layer ${l + 1} of ${L}, for the whole batch`, note: batchNote, equations: [
      { heading: `Z${sup(l + 1)} = ${aName(l)}·W${sup(l + 1)}ᵀ + b${sup(l + 1)}`, current: isZ,
        note: `One matrix product gives every example's weighted sums at once; b is added to every row.`, terms: [
          matrix('Z', `Z${sup(l + 1)}`, trace.forward[l].z, ...byExample(l + 1), marks({ cells: [[e, j]] }, isZ ? 'result' : 'used')), '=',
          matrix('A_prev', aName(l), A(l), ...byExample(l), isZ ? marks({ rows: [e] }) : none), '·',
          matrix('Wt', `W${sup(l + 1)}ᵀ`, transpose(W), [axis(l), axis(l + 1)], [neurons(l), neurons(l + 1)], isZ ? marks({ cols: [j] }) : none), '+',
          matrix('b', `b${sup(l + 1)}`, [network.biases[l]], ['1', axis(l + 1)], [[''], neurons(l + 1)], isZ ? marks({ cols: [j] }) : none)] },
      { heading: `A${sup(l + 1)} = ${f}(Z${sup(l + 1)})`, current: !isZ,
        note: network.activations[l] === 'softmax' ? 'Softmax works on each row: every example\'s outputs add up to 1.' : `${f} is applied to every entry on its own.`, terms: [
          matrix('A', `A${sup(l + 1)}`, trace.forward[l].a, ...byExample(l + 1), isZ ? none : marks({ cells: [[e, j]] }, 'result')), '=', `${f}(`,
          matrix('Z2', `Z${sup(l + 1)}`, trace.forward[l].z, ...byExample(l + 1), isZ ? none : marks({ cells: [[e, j]] })), ')'] }] };
  }

  if (step.phase === 'loss') {
    const j = step.kind === 'lossTerm' ? step.neuron : null;
    const used = j === null ? marks({ rows: [e] }) : marks({ cells: [[e, j]] });
    const form = MATRIX_LOSS[setup.loss];
    return { title: `The loss of the whole batch`, note: batchNote, equations: [
      { heading: `L = ${NOTATION.losses[setup.loss].matrix_formula}`, current: true, terms: [
        matrix('L', 'L', [[trace.loss]], ['1', '1'], [[''], ['']], j === null ? marks({ cells: [[0, 0]] }, 'result') : none), '=',
        form.open,
        matrix('A', `A${sup(L)}`, trace.forward[L - 1].a, ...byExample(L), used), form.between,
        matrix('T', 'T', setup.targets, ['examples', 'targets'], [examples, range(K).map((k) => `t${k + 1}`)], used),
        form.close] }] };
  }

  if (step.phase === 'backward') return backwardForm(step);
  return updateForm(step);

  function backwardForm(s) {
    const l = s.layer;
    const j = s.neuron;
    const g = trace.backward[l];
    const W = network.weights[l];
    const out = l === L - 1;
    const act = network.activations[l];
    const fused = out && isFused(setup.loss, act);
    const loss = NOTATION.losses[setup.loss];
    const cell = (kind) => marks({ cells: [[e, j]] }, kind);
    const at = (kind, k) => (s.kind === k ? cell(kind) : none);
    const dA = (m, key = 'dL_dA') => matrix(key, `∂L/∂A${sup(l + 1)}`, g.dL_da, ...byExample(l + 1), m);
    const Aout = (key, m) => matrix(key, `A${sup(l + 1)}`, trace.forward[l].a, ...byExample(l + 1), m);
    const T = (key, m) => matrix(key, 'T', setup.targets, ['examples', 'targets'], [examples, range(K).map((k) => `t${k + 1}`)], m);
    const delta = (key, m) => matrix(key, `Δ${sup(l + 1)}`, g.dL_dz, ...byExample(l + 1), m);
    const scale = loss.reduction === 'sum' ? n : n * K; // a sum over the outputs is not divided by K
    const equations = [];

    // Where ∂L/∂A comes from: the loss, or the layer after.
    if (out) {
      const form = MATRIX_LOSS[setup.loss];
      const terms = form.dA(Aout('A', at('used', 'dLda')), T('T', at('used', 'dLda')), n, K);
      equations.push({ heading: form.dAHeading(n, K), current: s.kind === 'dLda',
        note: 'The loss\'s derivative with respect to every output of every example.', terms: [dA(at('result', 'dLda')), '=', ...terms] });
    } else {
      const next = trace.backward[l + 1];
      const hi = s.kind === 'dLda';
      equations.push({ heading: `∂L/∂A${sup(l + 1)} = Δ${sup(l + 2)}·W${sup(l + 2)}`, current: hi,
        note: 'The errors of the layer after, sent back along the weights: one matrix product for the whole batch.', terms: [
          dA(at('result', 'dLda')), '=',
          matrix('Delta_next', `Δ${sup(l + 2)}`, next.dL_dz, ...byExample(l + 2), hi ? marks({ rows: [e] }) : none), '·',
          matrix('W_next', `W${sup(l + 2)}`, network.weights[l + 1], [axis(l + 2), axis(l + 1)], [neurons(l + 2), neurons(l + 1)], hi ? marks({ cols: [j] }) : none)] });
    }
    // The error Δ = ∂L/∂Z.
    const hiD = s.kind === 'delta';
    if (fused) {
      equations.push({ heading: `Δ${sup(l + 1)} = (A − T) / ${scale === n ? 'N' : 'N·K'} (${loss.requires_output} with ${loss.label}: fused)`, current: hiD,
        note: 'The loss and the output activation together have this simple derivative: no f′(Z) is needed.', terms: [
          delta('Delta', at('result', 'delta')), '=', '(', Aout('A2', at('used', 'delta')), '−', T('T2', at('used', 'delta')), `) / ${scale}`] });
    } else if (act === 'softmax') {
      equations.push({ heading: `Δ${sup(l + 1)} = A ⊙ (∂L/∂A − rowsum(∂L/∂A ⊙ A))`, current: hiD,
        note: 'Softmax couples each row\'s outputs, so its derivative is not one number per entry.', terms: [
          delta('Delta', at('result', 'delta')), '=', Aout('A2', at('used', 'delta')), '⊙ (', dA(at('used', 'delta'), 'dL_dA2'), '− rowsum(…))'] });
    } else {
      equations.push({ heading: `Δ${sup(l + 1)} = ∂L/∂A${sup(l + 1)} ⊙ f′(Z${sup(l + 1)})`, current: hiD,
        note: '⊙ multiplies entry by entry: each error is its ∂L/∂a times the activation\'s slope.', terms: [
          delta('Delta', at('result', 'delta')), '=', dA(at('used', 'delta'), 'dL_dA2'), '⊙',
          matrix('fprime', `${activationSymbol(act)}′(Z${sup(l + 1)})`, g.da_dz, ...byExample(l + 1), at('used', 'delta'))] });
    }
    const hiW = s.kind === 'dLdw';
    equations.push({ heading: `∂L/∂W${sup(l + 1)} = Δ${sup(l + 1)}ᵀ·${aName(l)}`, current: hiW,
      note: n > 1 ? `Each entry sums its ${n} examples' products: the 1/${n} in Δ makes it the mean.` : 'Each entry is an error times the input that fed it.', terms: [
        matrix('dL_dW', `∂L/∂W${sup(l + 1)}`, g.dL_dW, [axis(l + 1), axis(l)], [neurons(l + 1), neurons(l)], hiW ? marks({ cells: [[j, s.from]] }, 'result') : none), '=',
        matrix('DeltaT', `Δ${sup(l + 1)}ᵀ`, transpose(g.dL_dz), [axis(l + 1), 'examples'], [neurons(l + 1), examples], hiW ? marks({ rows: [j] }) : none), '·',
        matrix('A_prev', aName(l), A(l), ...byExample(l), hiW ? marks({ cols: [s.from] }) : none)] });
    const hiB = s.kind === 'dLdb';
    equations.push({ heading: `∂L/∂b${sup(l + 1)} = Σ rows of Δ${sup(l + 1)}`, current: hiB, note: 'Each column of Δ added up.', terms: [
      matrix('dL_db', `∂L/∂b${sup(l + 1)}`, [g.dL_db], ['1', axis(l + 1)], [[''], neurons(l + 1)], hiB ? marks({ cols: [j] }, 'result') : none), '= Σ rows of',
      delta('Delta2', hiB ? marks({ cols: [j] }) : none)] });
    if (l > 0) {
      equations.push({ heading: `∂L/∂${aName(l)} = Δ${sup(l + 1)}·W${sup(l + 1)}`, current: false,
        note: 'What flows on to the layer before (its ∂L/∂A, next in the step-through).', terms: [
          matrix('dL_dA_prev', `∂L/∂${aName(l)}`, trace.backward[l - 1].dL_da, ...byExample(l), none), '=',
          delta('Delta3', none), '·', matrix('W', `W${sup(l + 1)}`, W, [axis(l + 1), axis(l)], [neurons(l + 1), neurons(l)], none)] });
    }
    return { title: `Backward, layer ${l + 1} of ${L}, for the whole batch`, note: `${batchNote}${meanNote}`.trim(), equations };
  }

  function updateForm(s) {
    const eta = setup.optimizer ? setup.optimizer.learning_rate : setup.learning_rate;
    const plainDescent = !setup.optimizer || (setup.optimizer.name === 'sgd' && !setup.optimizer.momentum);
    const penalty = setup.regularization && setup.regularization.kind !== 'none' && setup.regularization.rate > 0;
    const rule = plainDescent && !penalty ? null
      : `${setup.optimizer ? `${setup.optimizer.name}'s step` : 'the step'}${penalty ? ` with the ${NOTATION.regularizations[setup.regularization.kind].label} penalty` : ''}: the explanation beside shows it term by term`;
    const layersShown = s.kind === 'update' ? [s.layer] : range(L).reverse();
    const equations = layersShown.flatMap((l) => {
      const g = trace.backward[l];
      const hit = s.kind === 'update'
        ? (i, j) => (i >= s.neurons[0] && i < s.neurons[1] && j >= s.weights[0] && j < s.weights[1])
        : () => false;
      const wMark = (kind) => (i, j) => (hit(i, j) ? kind : '');
      const bMark = (kind) => (i, j) => (s.kind === 'update' && s.bias && j >= s.neurons[0] && j < s.neurons[1] ? kind : '');
      const wAxes = [[axis(l + 1), axis(l)], [neurons(l + 1), neurons(l)]];
      const bAxes = [['1', axis(l + 1)], [[''], neurons(l + 1)]];
      const list = [{ heading: rule ? `W${sup(l + 1)} ← ${rule}` : `W${sup(l + 1)} ← W${sup(l + 1)} − η·∂L/∂W${sup(l + 1)}, η = ${eta}`, current: s.kind === 'update',
        terms: [matrix('W_new', `W${sup(l + 1)} new`, trace.network.weights[l], ...wAxes, wMark('result')), '=',
          matrix('W', `W${sup(l + 1)}`, network.weights[l], ...wAxes, wMark('used')), rule ? '→' : `− ${eta} ·`,
          matrix('dL_dW', `∂L/∂W${sup(l + 1)}`, g.dL_dW, ...wAxes, wMark('used'))] }];
      list.push(setup.update_biases
        ? { heading: rule ? `b${sup(l + 1)} ← ${rule}` : `b${sup(l + 1)} ← b${sup(l + 1)} − η·∂L/∂b${sup(l + 1)}`, current: s.kind === 'update' && s.bias,
          terms: [matrix('b_new', `b${sup(l + 1)} new`, [trace.network.biases[l]], ...bAxes, bMark('result')), '=',
            matrix('b', `b${sup(l + 1)}`, [network.biases[l]], ...bAxes, bMark('used')), rule ? '→' : `− ${eta} ·`,
            matrix('dL_db', `∂L/∂b${sup(l + 1)}`, [g.dL_db], ...bAxes, bMark('used'))] }
        : { heading: `b${sup(l + 1)} stays: the biases are frozen`, current: false,
          terms: [matrix('b', `b${sup(l + 1)}`, [network.biases[l]], ...bAxes, none)] });
      return list.map((eq) => ({ ...eq, layer: l }));
    });
    return { title: s.kind === 'update' ? `Update, layer ${s.layer + 1} of ${L}: the whole matrix at once` : 'The update of every layer',
      note: rule ? 'The new matrices are the trace\'s, after the optimizer\'s step.' : 'The whole update is one line a layer: every weight steps against its gradient.', equations };
  }
}

/** The indices shown of `n`: all when few, else the first and those `focus` asks for, at most `max`. */
export function visible(n, focus, max) {
  if (n <= max) return range(n);
  const keep = new Set(focus.filter((i) => i >= 0 && i < n).slice(0, max));
  for (let i = 0; keep.size < max; i += 1) keep.add(i);
  return [...keep].sort((a, b) => a - b);
}

/**
 * @param {HTMLElement} root the panel
 * @param {{onClose: function(): void}} handlers
 */
export function createMatrices(root, { onClose }) {
  const body = root.querySelector('.matrices-body');
  const title = root.querySelector('.matrices-title');
  const note = root.querySelector('.matrices-note');
  root.querySelector('.close').addEventListener('click', onClose);
  let shownKey = '';
  let shownTrace = null;

  /** A matrix's name or a formula as text, its ᵀ a real superscript T (few fonts draw the character). */
  function symbol(text) {
    return text.split('ᵀ').flatMap((part, i) => {
      if (i === 0) return [part];
      const t = document.createElement('sup');
      t.textContent = 'T';
      return [t, part];
    });
  }

  function cell(tag, text, cls = '') {
    const c = document.createElement(tag);
    c.textContent = text;
    if (cls) c.className = cls;
    return c;
  }

  /** One matrix: its name and shape, then its entries (the step's marked), cut down where it is large. */
  function table(mx, decimals) {
    const figure = document.createElement('figure');
    figure.className = 'matrix';
    figure.dataset.matrix = mx.key;
    const markedRows = range(mx.rows).filter((i) => range(mx.cols).some((j) => mx.mark(i, j)));
    const markedCols = range(mx.cols).filter((j) => range(mx.rows).some((i) => mx.mark(i, j)));
    const rows = visible(mx.rows, markedRows, MAX_ROWS);
    const cols = visible(mx.cols, markedCols, MAX_COLS);
    const caption = document.createElement('figcaption');
    const name = document.createElement('b');
    name.append(...symbol(mx.name));
    caption.append(name, ` ${mx.rows} × ${mx.cols}`);
    let axes = `${mx.rowAxis} × ${mx.colAxis}`;
    if (mx.rowAxis === '1') axes = mx.colAxis === '1' ? '' : `one per ${mx.colAxis.replace(/s$/, '')}`;
    if (axes) caption.append(cell('span', ` (${axes})`, 'axes'));
    figure.appendChild(caption);
    const t = document.createElement('table');
    const head = t.createTHead().insertRow();
    const hasRowNames = mx.rowNames.some(Boolean);
    if (hasRowNames) head.appendChild(cell('th', ''));
    // A gap before position `at` of a list of indices: where it skips some.
    const gaps = (list, at) => at > 0 && list[at] !== list[at - 1] + 1;
    cols.forEach((j, at) => {
      if (gaps(cols, at)) head.appendChild(cell('th', '⋯', 'gap'));
      head.appendChild(cell('th', mx.colNames[j] ?? ''));
    });
    if (!mx.colNames.some(Boolean)) t.tHead.hidden = true;
    const tbody = t.createTBody();
    rows.forEach((i, at) => {
      if (gaps(rows, at)) {
        const gap = tbody.insertRow();
        gap.className = 'gap';
        gap.appendChild(cell('td', '⋮', 'gap')).colSpan = cols.length + (hasRowNames ? 1 : 0) + cols.filter((_, k) => gaps(cols, k)).length;
      }
      const tr = tbody.insertRow();
      if (hasRowNames) tr.appendChild(cell('th', mx.rowNames[i] ?? ''));
      cols.forEach((j, at2) => {
        if (gaps(cols, at2)) tr.appendChild(cell('td', '⋯', 'gap'));
        const v = mx.at(i, j);
        const td = cell('td', fmt(v, decimals), mx.mark(i, j));
        Object.assign(td.dataset, { row: i, col: j, value: v === null ? '' : String(v) });
        tr.appendChild(td);
      });
    });
    figure.appendChild(t);
    if (rows.length < mx.rows || cols.length < mx.cols) {
      const parts = [];
      if (rows.length < mx.rows) parts.push(`${rows.length} of ${mx.rows} rows`);
      if (cols.length < mx.cols) parts.push(`${cols.length} of ${mx.cols} columns`);
      figure.appendChild(cell('p', `Too large to show whole: ${parts.join(' and ')} shown.`, 'cut'));
    }
    return figure;
  }

  /**
   * @param {{form: object, decimals: number, key: string, trace: object}|null} view null hides the
   *   panel; the form is drawn again when its step (key), decimals or trace change
   */
  function update(view) {
    root.hidden = !view;
    if (!view) { shownKey = ''; return; }
    const key = `${view.key}|${view.decimals}`;
    if (key === shownKey && view.trace === shownTrace) return;
    [shownKey, shownTrace] = [key, view.trace];
    const { form, decimals } = view;
    title.textContent = form.title;
    note.textContent = form.note;
    note.hidden = !form.note;
    body.replaceChildren(...form.equations.map((eq) => {
      const section = document.createElement('section');
      section.className = `equation${eq.current ? ' current' : ''}`;
      const heading = document.createElement('h3');
      heading.append(...symbol(eq.heading));
      section.appendChild(heading);
      if (eq.note) section.appendChild(cell('p', eq.note, 'equation-note'));
      const terms = document.createElement('div');
      terms.className = 'terms';
      for (const term of eq.terms) terms.appendChild(typeof term === 'string' ? cell('span', term, 'op') : table(term, decimals));
      section.appendChild(terms);
      return section;
    }));
    // The equation the step is about comes into view where the panel scrolls itself (never the page).
    const current = body.querySelector('.equation.current');
    if (current && body.scrollHeight > body.clientHeight) {
      const top = current.offsetTop; // the body is its offset parent (position: relative)
      if (top < body.scrollTop || top + current.offsetHeight > body.scrollTop + body.clientHeight) body.scrollTop = top;
    }
  }

  return { update };
}
