/**
 * The step-through page: one stepper over the whole document, its state mirrored in the URL,
 * and, once the teacher presents it, pushed to the class as a live session.
 */

import { createPresenting } from '../chrome.js';
import { encode, shareable } from './state.js';
import { readState } from './state-read.js';
import { createStepper } from './stepper.js';

const $ = (sel) => document.querySelector(sel);
const liveCode = $('#timeline .live-code');
let urlTimer = 0;

function writeUrl(state) {
  const present = presenting.id ? `&present=${encodeURIComponent(presenting.id)}` : '';
  history.replaceState(null, '', `${encode(state)}${present}`);
}

/** The join code in the step bar while presenting, or what is wrong with the session. */
function showLive(session, problem) {
  liveCode.hidden = !session;
  liveCode.classList.toggle('warning', Boolean(problem));
  document.body.classList.toggle('live', Boolean(session));
  if (session) {
    liveCode.textContent = problem || `Join code ${session.join_code}`;
    liveCode.title = `Students go to ${location.host}/join and type ${session.join_code}`;
  }
}

const presenting = createPresenting({
  page: 'step',
  button: $('#toolbar .present'),
  dialog: $('#present'),
  state: () => shareable(stepper.state),
  show: showLive,
  onAdopt: (state) => stepper.load(readState(state).state),
  onError: (message) => stepper.showError(message),
  onSession: () => writeUrl(stepper.state),
  current: 'step',
  followed: 'this page',
});

const stepper = createStepper(document.body, {
  onCommit: (state) => {
    presenting.push(shareable(state));
    clearTimeout(urlTimer);
    urlTimer = setTimeout(() => writeUrl(state), 200);
  },
});

$('#toolbar .print').addEventListener('click', () => window.open(`/handout${encode(stepper.state)}`, '_blank'));

async function start() {
  await stepper.start(location.search);
  const id = new URLSearchParams(location.search).get('present');
  const resumed = id ? await presenting.resume(id) : null;
  if (resumed && JSON.stringify(resumed) !== JSON.stringify(shareable(stepper.state))) await stepper.load(readState(resumed).state);
}

start();
