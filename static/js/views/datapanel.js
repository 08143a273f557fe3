/**
 * The data panel: pick a data set by its thumbnail, set noise, test share and size, draw a new
 * sample, load CSV, and choose the input features. A value it refuses is said beside its field.
 */

import { DATASETS, featureLabel, FEATURES, isOneDimensional, needsX2, POINT_COUNTS } from '../lab/state.js';
import { CLASS_COLOURS, css, scale } from './colours.js';

/**
 * @param {HTMLElement} root
 * @param {{onChange: function(object): void, onCsv: function(string): void, thumbnail: function(object): Promise<object>}} handlers
 */
export function createDataPanel(root, { onChange, onCsv, thumbnail }) {
  const $ = (sel) => root.querySelector(sel);
  const picker = $('.datasets');
  const noise = $('.noise');
  const test = $('.test-share');
  const n = $('.n');
  const features = $('.features');
  const csv = $('.csv');
  let lab = null;
  POINT_COUNTS.forEach((count) => n.add(new Option(String(count))));

  for (const task of Object.keys(DATASETS)) {
    for (const name of DATASETS[task]) {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'dataset';
      Object.assign(button.dataset, { task, name });
      button.title = `${name} (${task})`;
      const canvas = document.createElement('canvas');
      canvas.width = 72; canvas.height = 72;
      const label = document.createElement('span');
      label.textContent = task === 'regression' ? `${name} ↗` : name;
      button.append(canvas, label);
      button.addEventListener('click', () => onChange({ dataset: { ...lab.dataset, name, task }, points: null }));
      picker.appendChild(button);
      thumbnail({ name, task, n: 150, noise: 0.05, seed: 1, test_fraction: 0 }).then((data) => draw(canvas, data, task)).catch(() => {});
    }
  }
  FEATURES.forEach((name) => {
    const label = document.createElement('label');
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.value = name;
    label.append(box, ` ${featureLabel(name)}`);
    features.appendChild(label);
  });
  features.addEventListener('change', (event) => {
    const chosen = [...features.querySelectorAll('input:checked')].map((b) => b.value);
    if (chosen.length) { refuse(features, ''); onChange({ features: chosen }); return; }
    event.target.checked = true;
    refuse(features, `At least one feature is needed: ${featureLabel(event.target.value)} stays.`, event.target);
  });
  noise.addEventListener('change', () => onChange({ dataset: { ...lab.dataset, noise: Number(noise.value) }, points: null }));
  test.addEventListener('change', () => onChange({ dataset: { ...lab.dataset, test_fraction: Number(test.value) }, points: null }));
  n.addEventListener('change', () => onChange({ dataset: { ...lab.dataset, n: Number(n.value) }, points: null }));
  noise.addEventListener('input', () => { $('.noise-value').textContent = `${Math.round(noise.value * 100)}%`; });
  test.addEventListener('input', () => { $('.test-value').textContent = `${Math.round(test.value * 100)}%`; });
  $('.regenerate').addEventListener('click', () => onChange({ dataset: { ...lab.dataset, seed: lab.dataset.seed + 1 }, points: null }));
  $('.apply-csv').addEventListener('click', async () => refuse(csv, await onCsv(csv.value)));
  $('.csv-file').addEventListener('change', async (event) => {
    const file = event.target.files[0];
    event.target.value = '';
    if (file) refuse(csv, await onCsv(await file.text()));
  });

  /**
   * Marks a field as refusing a value, with the message beside it (an empty one clears it).
   * @param {HTMLElement} near the field, or the group, the message sits after
   * @param {string} message
   * @param {HTMLElement} field what is marked invalid, when not `near` itself
   */
  function refuse(near, message, field = near) {
    const note = root.querySelector(`#${near.dataset.message}`);
    root.querySelectorAll(`[aria-describedby="${note.id}"]`).forEach((f) => f.removeAttribute('aria-invalid'));
    note.textContent = message || '';
    note.hidden = !message;
    if (message) field.setAttribute('aria-invalid', 'true');
    field.setAttribute('aria-describedby', note.id);
  }

  function draw(canvas, data, task) {
    const ctx = canvas.getContext('2d');
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, 72, 72);
    const oneInput = data.inputs === 1;
    data.train.x.forEach((x, i) => {
      const y = data.train.y[i];
      ctx.fillStyle = task === 'regression' ? css(scale(y, -1, 1)) : CLASS_COLOURS[y];
      const px = ((x[0] + 6) / 12) * 72;
      const py = oneInput ? 36 - y * 24 : ((6 - x[1]) / 12) * 72;
      ctx.fillRect(px - 1.5, py - 1.5, 3, 3);
    });
  }

  function update(next) {
    lab = next;
    picker.querySelectorAll('.dataset').forEach((b) => {
      const on = b.dataset.name === lab.dataset.name && b.dataset.task === lab.dataset.task && !lab.points;
      b.setAttribute('aria-pressed', String(on));
    });
    noise.value = String(lab.dataset.noise);
    $('.noise-value').textContent = `${Math.round(lab.dataset.noise * 100)}%`;
    test.value = String(lab.dataset.test_fraction);
    $('.test-value').textContent = `${Math.round(lab.dataset.test_fraction * 100)}%`;
    n.value = String(lab.dataset.n);
    $('.custom').hidden = !lab.points;
    const oneInput = isOneDimensional(lab);
    features.querySelectorAll('input').forEach((box) => {
      box.checked = lab.features.includes(box.value);
      box.disabled = oneInput && needsX2(box.value);
    });
    $('.one-input').hidden = !oneInput;
  }

  return { update };
}
