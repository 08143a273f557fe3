/**
 * A network's parameters by reference ({kind: 'weight'|'bias', layer, row, col}): every one in
 * order, whether a network has one, where one sits in an optimizer's flat state, and which ones
 * an update step sets, and which edges and neurons a parameter's gradient depends on. Pure: no DOM.
 */

/** Every parameter, in the order the inspector cycles through them. */
export function parameters(layers) {
  const list = [];
  for (let l = 0; l < layers.length - 1; l += 1) {
    for (let j = 0; j < layers[l + 1]; j += 1) {
      for (let k = 0; k < layers[l]; k += 1) list.push({ kind: 'weight', layer: l, row: j, col: k });
      list.push({ kind: 'bias', layer: l, row: j });
    }
  }
  return list;
}

/** Whether a parameter reference names a weight or bias this network has. */
export function hasParameter(layers, p) {
  if (!p || !(p.layer >= 0 && p.layer < layers.length - 1 && p.row >= 0 && p.row < layers[p.layer + 1])) return false;
  return p.kind === 'bias' || (p.kind === 'weight' && p.col >= 0 && p.col < layers[p.layer]);
}

/** The flat index of a parameter in an optimizer's state: every weight, layer by layer and row by row, then every bias. */
export function flatIndex(layers, p) {
  let weights = 0;
  for (let l = 0; l < layers.length - 1; l += 1) weights += layers[l] * layers[l + 1];
  let at = p.kind === 'weight' ? 0 : weights;
  for (let l = 0; l < p.layer; l += 1) at += p.kind === 'weight' ? layers[l] * layers[l + 1] : layers[l + 1];
  return at + (p.kind === 'weight' ? p.row * layers[p.layer] + p.col : p.row);
}

/** The parameters an update step sets: its weights neuron by neuron, then its biases. */
export function updatedParameters(step) {
  const list = [];
  for (let j = step.neurons[0]; j < step.neurons[1]; j += 1) {
    for (let k = step.weights[0]; k < step.weights[1]; k += 1) list.push({ kind: 'weight', layer: step.layer, row: j, col: k });
  }
  for (let j = step.neurons[0]; step.bias && j < step.neurons[1]; j += 1) list.push({ kind: 'bias', layer: step.layer, row: j });
  return list;
}

/** The edges and neurons a parameter's gradient depends on: its own edge, then all paths onward. */
export function dependencyPath(layers, selected) {
  const edges = new Set();
  const neurons = new Set();
  if (!selected) return { edges, neurons };
  const { layer, row } = selected;
  if (selected.kind === 'weight') {
    edges.add(`${layer},${row},${selected.col}`);
    neurons.add(`${layer},${selected.col}`);
  }
  let frontier = [row];
  neurons.add(`${layer + 1},${row}`);
  for (let l = layer + 1; l < layers.length - 1; l += 1) {
    for (const j of frontier) for (let i = 0; i < layers[l + 1]; i += 1) edges.add(`${l},${i},${j}`);
    frontier = Array.from({ length: layers[l + 1] }, (_, i) => i);
    frontier.forEach((i) => neurons.add(`${l + 1},${i}`));
  }
  return { edges, neurons };
}
