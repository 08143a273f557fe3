/**
 * The stepper's views, made once over its root and drawn together from one frame: the diagram,
 * the explanation, the timeline, the inspector, the editor, the toolbars, the neuron graph and
 * the matrix form, and the banner. Each view owns its node; this only hands each its part of the frame (what
 * the step says is worked out here, by the describers), so the stepper never draws itself.
 */

import { createDiagram } from '../views/diagram.js';
import { neuronGraph } from '../stepthrough/neuron.js';
import { describe } from '../stepthrough/describe.js';
import { exampleValues } from '../stepthrough/example.js';
import { neuronNames } from '../stepthrough/notation.js';
import { parameterUpdate } from '../stepthrough/optimizers/index.js';
import { dependencyPath } from '../stepthrough/parameters.js';
import { revealed } from '../stepthrough/sequence.js';
import { createCodeDialog } from '../views/codedialog.js';
import { createEditor } from '../views/editor.js';
import { createExplainer } from '../views/explain.js';
import { createHelp } from '../views/help.js';
import { createInspector } from '../views/inspector.js';
import { createMatrices, matrixForm } from '../views/matrices.js';
import { createNeuronGraph } from '../views/neurongraph.js';
import { createTimeline } from '../views/timeline.js';
import { createToolbar } from '../views/toolbar.js';

/**
 * @param {HTMLElement} root
 * @param {object} on what the views report: select(p), jump(index), editValue(p, value),
 *   change(fn, key), closeEditor(), graphStep(dir), close(what: 'inspector'|'graph'|'matrices'),
 *   loadCode(lang), and `actions` for the toolbars' buttons
 */
export function createStepperViews(root, on) {
  const $ = (sel) => root.querySelector(sel);
  const diagram = createDiagram($('#diagram'), { onSelect: on.select });
  const explainer = createExplainer($('#explain'), $('#announce'));
  const timeline = createTimeline($('#timeline'), { onJump: on.jump });
  const inspector = createInspector($('#inspector'), { onEdit: on.editValue, onClose: () => on.close('inspector') });
  const editor = createEditor($('#editor'), { onChange: on.change, onClose: on.closeEditor });
  const help = createHelp($('#help'));
  const graphView = createNeuronGraph($('#neurongraph'), { onStep: on.graphStep, onClose: () => on.close('graph') });
  const matrixView = createMatrices($('#matrices'), { onClose: () => on.close('matrices') });
  const codeDialog = $('#code') && createCodeDialog($('#code'), { load: on.loadCode });
  const toolbar = createToolbar($('#toolbar'), on.actions);
  const stepNav = createToolbar($('#stepnav'), on.actions);

  /** The banner: what went wrong, or what a link asked for that is shown otherwise. */
  function showError(message) {
    const banner = $('#error');
    banner.querySelector('.message').textContent = message;
    banner.hidden = !message;
  }
  $('#error .close').addEventListener('click', () => showError(''));

  /** The status line: what is being computed, while it is. */
  function showStatus(message) {
    const status = $('#status');
    status.textContent = message;
    status.hidden = !message;
  }

  /**
   * Draws every view: safe to call any number of times.
   * @param {object} frame {st: the state, run: its training step's {network, optimizer, trace},
   *   iteration, steps, index: the step shown, selected and graph: the parameter and neuron graph
   *   the network has, slice, sliceProblem, canUndo}
   */
  function draw({ st, run, iteration, steps, index, selected, graph, slice, sliceProblem, canUndo }) {
    const { network, trace } = run;
    const layers = network.layers;
    const names = neuronNames(layers, st.view.inputNames);
    const example = Math.min(st.view.example, st.setup.inputs.length - 1);
    const ctx = { setup: st.setup, trace, names, decimals: st.view.decimals, network, next: trace.network, example, optimizerState: run.optimizer };
    const current = describe(steps[index], ctx);
    diagram.update({ layers, names, network, next: trace.network, ex: exampleValues(trace, st.setup, example), known: revealed(steps, index),
      touch: current.touch, selected, path: dependencyPath(layers, selected), decimals: st.view.decimals });
    explainer.update(steps[index], current);
    timeline.update(steps, index, iteration);
    const paramStep = selected && (selected.kind === 'weight'
      ? { kind: 'dLdw', layer: selected.layer, neuron: selected.row, from: selected.col }
      : { kind: 'dLdb', layer: selected.layer, neuron: selected.row });
    inspector.update({ selected, layers, names, network, trace, slice, sliceProblem, decimals: st.view.decimals, example,
      n: st.setup.inputs.length, described: paramStep ? describe(paramStep, ctx) : null,
      update: selected ? parameterUpdate(ctx, selected) : null });
    toolbar.update(st, canUndo);
    stepNav.update(st, canUndo);
    editor.update(st.setup);
    $('#example').textContent = st.setup.inputs.length > 1 ? `example ${example + 1} of ${st.setup.inputs.length} (X: next)` : '';
    document.body.classList.toggle('projector', st.view.projector);
    document.body.dataset.phase = steps[index].phase;
    const model = graph && neuronGraph(ctx, graph.layer, graph.neuron);
    graphView.update(model && { model, step: Math.min(graph.step, model.steps.length - 1), decimals: ctx.decimals });
    document.body.classList.toggle('graph-open', Boolean(model));
    matrixView.update(st.view.matrices ? { form: matrixForm(steps[index], ctx), decimals: ctx.decimals, key: `${iteration}|${index}|${example}`, trace } : null);
    document.body.classList.toggle('matrices-open', Boolean(st.view.matrices));
  }

  return { draw, showError, showStatus, editor, inspector, help, toolbar, codeDialog };
}
