// The lab's warnings: what each says and when, read from the run and the catalog's notation
// (each activation's steepest slope), and a vanishing-gradient warning that does not blink.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CATALOG, NOTATION } from '../../static/js/catalog.js';
import { DEFAULT_LAB } from '../../static/js/lab/state.js';
import { diagnose, VANISHING, vanishing } from '../../static/js/views/warnings.js';

const layer = (n, { dead = [], saturated = [] } = {}) => ({
  dead: Array.from({ length: n }, (_, j) => dead.includes(j)),
  saturated: Array.from({ length: n }, (_, j) => (saturated.includes(j) ? 0.95 : 0.1)),
});
const run = (patch = {}) => ({ diverged: false, neurons: [layer(4), layer(2), layer(1)], ...patch });
const deep = (ratio, epochs = 10) => Array.from({ length: epochs }, (_, epoch) => ({ epoch, grad_norms: [ratio, 0.5, 1] }));

test('no run, no warnings; a healthy run, none either', () => {
  assert.deepEqual(diagnose(DEFAULT_LAB, null, []), []);
  assert.deepEqual(diagnose(DEFAULT_LAB, run(), deep(0.5)), []);
});

test('divergence names its epoch and a learning rate ten times smaller', () => {
  const [note] = diagnose({ ...DEFAULT_LAB, learning_rate: 3 }, run({ diverged: true, diverged_at_epoch: 17 }), []);
  assert.equal(note.level, 'error');
  assert.match(note.text, /^Training diverged at epoch 17: .* \(3\) is too large for this network; try 0.3, then reset\.$/);
});

test('dead and saturated neurons are counted per hidden layer, never in the output', () => {
  const notes = diagnose(DEFAULT_LAB, run({ neurons: [layer(4, { dead: [0, 2] }), layer(2, { saturated: [0, 1] }), layer(1, { dead: [0] })] }), []);
  assert.deepEqual(notes.map((n) => n.title), ['2 dead in layer 1', '2 saturated in layer 2']);
  assert.match(notes[1].text, /2 neurons in hidden layer 2 are saturated .* tanh's slope is nearly 0/);
});

test("the vanishing warning gives each hidden activation's steepest slope, from the catalog", () => {
  for (const activation of CATALOG.hidden_activations) {
    const notes = diagnose({ ...DEFAULT_LAB, activation }, run(), deep(0.001));
    assert.equal(notes.length, 1, activation);
    assert.ok(notes[0].text.includes(`Each ${activation} layer multiplies the error by its slope (at most ${NOTATION.activations[activation].max_slope})`), notes[0].text);
  }
  assert.match(diagnose({ ...DEFAULT_LAB, activation: 'sigmoid' }, run(), deep(0.001))[0].text, /at most 0\.25\)/);
  assert.match(diagnose({ ...DEFAULT_LAB, activation: 'relu' }, run(), deep(0.001))[0].text, /at most 1\)/);
});

test('the vanishing warning holds through a wandering ratio and goes off once, after holding off', () => {
  // A flat loss: the ratio wanders about the 1e-2 threshold, then clearly leaves it.
  const ratios = [0.005, 0.02, 0.008, 0.015, 0.006, 0.012, 0.009, 0.02, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5];
  const history = ratios.map((r, epoch) => ({ epoch, grad_norms: [r, 0.5, 1] }));
  const shown = history.map((_, i) => vanishing(history.slice(0, i + 1)) !== null);
  assert.deepEqual(shown.slice(0, 8), Array(8).fill(true));
  assert.equal(shown.filter((s, i) => i > 0 && s !== shown[i - 1]).length, 1);
  assert.equal(shown.at(-1), false);
  // It goes off only after VANISHING.hold epochs above `off`.
  assert.equal(shown.indexOf(false), 8 + VANISHING.hold - 1);
});

test('no evidence, no verdict: two layers, a zero output gradient, a non-finite first layer', () => {
  assert.equal(vanishing([{ grad_norms: [0.001, 1] }]), null);
  assert.equal(vanishing([{ grad_norms: [0.001, 0.5, 0] }]), null);
  assert.equal(vanishing([{ grad_norms: [NaN, 0.5, 1] }]), null);
  assert.equal(vanishing(deep(0.001, 1)), 0.001);
});
