/**
 * A live session's follower view: the same stepper, shown only what the presenter's changes
 * carry (each with its traced step, so nothing is fetched), and a way to take the step away.
 */

import { followWithStatus } from '../chrome.js';
import { encode } from './state.js';
import { readState } from './state-read.js';
import { createStepper } from './stepper.js';

const $ = (sel) => document.querySelector(sel);
const explore = $('#toolbar .explore');
const stepper = createStepper(document.body, { follower: true });

followWithStatus(document.body.dataset.session, $('#toolbar .live-status'), {
  onChange: (change) => {
    const { state } = readState(change.state); // the session's state, with the page's defaults
    stepper.show(state, change.frame);
    explore.href = `/${encode(state)}`; // the step as the learner's own: the session stays behind
  },
  shown: () => Boolean(stepper.state),
  onNoSession: (message) => stepper.showError(message),
});
document.querySelector('#inspector .param-value').readOnly = true; // the presenter edits, not the class
