/**
 * The lab's files: what Export… saves (the network as JSON, the data and the loss history as
 * CSV, the diagram as SVG or PNG) and what Import… reads (a network export or a CSV), each read
 * whole and checked before the lab uses any of it.
 */

import { checkExport, fromCsv, toCsv } from './state.js';
import { historyCsv, networkExport } from './run.js';

/** Saves text as a file through a link the browser follows at once. */
function download(name, type, text) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([text], { type }));
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

/** The diagram's SVG drawn at twice its size into a PNG, saved. */
async function downloadPng(svg, box) {
  const image = new Image();
  image.src = `data:image/svg+xml;base64,${btoa(unescape(encodeURIComponent(svg)))}`;
  await image.decode();
  const canvas = document.createElement('canvas');
  canvas.width = box.width * 2; canvas.height = box.height * 2;
  canvas.getContext('2d').drawImage(image, 0, 0, canvas.width, canvas.height);
  canvas.toBlob((blob) => {
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = 'backprop-viz-network.png';
    a.click();
  });
}

/**
 * Saves one kind of export of the lab's state.
 * @param {string} kind network, data, history, svg or png
 * @param {object} state the lab's state: lab, run, history, data
 * @param {{svg: function(): string, box: function(): DOMRect}} diagram the network diagram as
 *   SVG text, and its size
 */
export async function exportAs(kind, state, diagram) {
  const { data, history } = state;
  if (kind === 'network') download('backprop-viz-network.json', 'application/json', networkExport(state));
  else if (kind === 'data' && data) download('backprop-viz-data.csv', 'text/csv', toCsv(data.train, data.test, data.inputs === 1));
  else if (kind === 'history') download('backprop-viz-history.csv', 'text/csv', historyCsv(history));
  else if (kind === 'svg') download('backprop-viz-network.svg', 'image/svg+xml', diagram.svg());
  else if (kind === 'png') await downloadPng(diagram.svg(), diagram.box());
}

/**
 * What an imported file holds, read and checked whole: points from CSV, or a network export.
 * @param {string} name the file's name
 * @param {string} text its content
 * @returns {{csv: object}|{saved: {lab: object, run: object|null, history: object[]}}|{error: string}}
 *   `csv` is fromCsv's answer (which may be an error of its own), `saved` checkExport's
 */
export function readImport(name, text) {
  if (!name.endsWith('.json') && !/^\s*[[{]/.test(text)) return { csv: fromCsv(text) };
  let saved;
  try { saved = JSON.parse(text); } catch { return { error: 'this file is not a backprop-viz network export: it is not JSON' }; }
  const checked = checkExport(saved);
  return checked.error ? { error: checked.error } : { saved: checked };
}
