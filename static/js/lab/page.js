/**
 * The lab page: one lab over the whole document, started from the link's settings, its
 * settings mirrored in the URL, and, once the teacher presents it, followed by the class.
 */

import { createLab } from './lab.js';
import { createLabPresenting } from './present.js';
import { decodeLab, encodeLab } from './state.js';

const $ = (sel) => document.querySelector(sel);
const params = new URLSearchParams(location.search);
const linked = decodeLab(location.search); // {lab, problems}, or null without a lab link
let written = null; // the settings the URL holds

/** The lab's link, and the session it presents, so a reload carries on presenting it. */
function writeUrl() {
  written = lab.state.lab;
  const present = presenting.id ? `&present=${encodeURIComponent(presenting.id)}` : '';
  window.history.replaceState(null, '', `${encodeLab(written)}${present}`);
}

const presenting = createLabPresenting({
  button: $('.toolbar .present'),
  problem: $('.toolbar .live-problem'),
  dialog: $('#present'),
  state: () => lab.state,
  onAdopt: (state) => lab.adopt(state),
  onError: (message) => lab.showError(message),
  onSession: writeUrl,
});

const lab = createLab(document.body, {
  settings: linked?.lab,
  onCommit: (state) => { if (state.lab !== written) writeUrl(); },
  share: presenting.share,
});
written = lab.state.lab; // as the link gave them: rewritten only when they change

async function start() {
  if (linked?.problems.length) {
    lab.showNotice('This lab link could not all be used; the lab shows the rest:', linked.problems);
    writeUrl();
  }
  const id = params.get('present');
  await lab.start(id ? await presenting.resume(id) : null);
}

start();
