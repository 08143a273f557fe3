/**
 * A live session's follower view: the same stepper, shown only what the presenter's changes
 * carry (each with its traced step, so nothing is fetched), and a way to take the step away.
 */

import { follow } from './live.js';
import { encode } from './state.js';
import { readState } from './state-read.js';
import { createStepper } from './stepper.js';

const $ = (sel) => document.querySelector(sel);
const id = document.body.dataset.session;
const status = $('#toolbar .live-status');
const explore = $('#toolbar .explore');
const stepper = createStepper(document.body, { follower: true });

const STATUS = {
  live: 'Live: following the presenter',
  waiting: 'Waiting for the presenter… (reconnecting)',
  ended: 'The presenter has ended this session.',
};

follow(id, {
  onChange: (change) => {
    const { state } = readState(change.state); // the session's state, with the page's defaults
    stepper.show(state, change.frame);
    explore.href = `/${encode(state)}`; // the step as the learner's own: the session stays behind
  },
  onStatus: (kind) => {
    status.textContent = STATUS[kind];
    status.dataset.kind = kind;
    document.body.classList.toggle('waiting', kind !== 'live');
    if (kind === 'ended' && !stepper.state) {
      stepper.showError('There is no live session here: it has ended, or the link is not complete. Ask for the join code.');
      document.body.classList.add('ready');
    }
  },
});
document.querySelector('#inspector .param-value').readOnly = true; // the presenter edits, not the class
