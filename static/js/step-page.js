/**
 * The step-through page: one stepper over the whole document, its state mirrored in the URL,
 * and, once the teacher presents it, pushed to the class as a live session.
 */

import { createPresenter } from './live.js';
import { encode, shareable } from './state.js';
import { readState } from './state-read.js';
import { createStepper } from './stepper.js';
import { createPresentDialog } from './views/presentdialog.js';

const $ = (sel) => document.querySelector(sel);
const liveCode = $('#timeline .live-code');
let urlTimer = 0;

function writeUrl(state) {
  const present = presenter.session ? `&present=${encodeURIComponent(presenter.session.id)}` : '';
  history.replaceState(null, '', `${encode(state)}${present}`);
}

const presenter = createPresenter({
  onStatus: (problem) => showLive(problem),
  onConflict: (state) => {
    stepper.load(readState(state).state);
    stepper.showError('The session was changed elsewhere (another tab presenting it?): showing its current step.');
  },
  onEnded: () => {
    showLive('');
    stepper.showError('The live session has ended: the class no longer follows this page.');
  },
});

const stepper = createStepper(document.body, {
  onCommit: (state) => {
    presenter.push(shareable(state));
    clearTimeout(urlTimer);
    urlTimer = setTimeout(() => writeUrl(state), 200);
  },
});

/** The join code in the step bar while presenting, or what is wrong with the session. */
function showLive(problem) {
  const session = presenter.session;
  liveCode.hidden = !session;
  liveCode.classList.toggle('warning', Boolean(problem));
  document.body.classList.toggle('live', Boolean(session));
  if (session) {
    liveCode.textContent = problem || `Join code ${session.join_code}`;
    liveCode.title = `Students go to ${location.host}/join and type ${session.join_code}`;
  }
}

const joinDetails = createPresentDialog($('#present'), {
  onStop: async () => {
    await presenter.stop();
    showLive('');
    writeUrl(stepper.state);
  },
});

async function present() {
  if (presenter.session) { joinDetails.open(presenter.session); return; }
  try {
    await presenter.start('step', shareable(stepper.state));
    writeUrl(stepper.state);
    showLive('');
    joinDetails.open(presenter.session);
  } catch (failure) {
    stepper.showError(`The live session could not start: ${failure.message}`);
  }
}

$('#toolbar .present').addEventListener('click', present);
$('#toolbar .print').addEventListener('click', () => window.open(`/handout${encode(stepper.state)}`, '_blank'));

async function start() {
  const params = new URLSearchParams(location.search);
  await stepper.start(location.search);
  const id = params.get('present');
  if (!id) return;
  try {
    const resumed = await presenter.resume(id);
    if (!resumed) throw new Error('this tab does not hold the presenter key for it');
    if (JSON.stringify(resumed.state) !== JSON.stringify(shareable(stepper.state))) await stepper.load(readState(resumed.state).state);
    showLive('');
  } catch (failure) {
    stepper.showError(`Not presenting session ${id.slice(0, 16)}: ${failure.message}.`);
    writeUrl(stepper.state);
  }
}

start();
