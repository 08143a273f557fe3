/**
 * The lab presented to a class (chrome.js `createPresenting`): the join code on the Present
 * button while presenting, and the pushes (a change of settings at once, the weights at most
 * four times a second while playing, and the last ones when paused). The lab hands over its
 * state; this turns it into what the class gets (run.js `liveState`) and knows no more of it.
 */

import { createPresenting } from '../chrome.js';
import { liveState } from './run.js';

const PLAYING_MS = 250; // while playing, a snapshot at most this often: followers see motion, not every epoch

/**
 * @param {{button: HTMLButtonElement, problem: HTMLElement, dialog: HTMLDialogElement,
 *   state: function(): object, onAdopt: function(object): void, onError: function(string): void,
 *   onSession: function(): void}} options `button` is the toolbar's Present button (it shows
 *   the join code once presenting); `problem` says a failing push; `dialog` holds the join
 *   details; `state` gives the lab's state now; `onAdopt` shows a session's state (another tab
 *   changed it); `onError` says why presenting stopped or cannot start; `onSession` is told
 *   when presenting starts or stops (the URL changes)
 */
export function createLabPresenting({ button, problem, dialog, state, onAdopt, onError, onSession }) {
  let sharedAt = -Infinity;

  /** The join code on the button while presenting; what is wrong beside it. */
  function show(session, text) {
    // The code alone fits the toolbar; the label says what it is (and projector mode, in CSS).
    button.textContent = session ? session.join_code : 'Present';
    button.classList.toggle('live', Boolean(session));
    if (session) button.setAttribute('aria-label', `Join code ${session.join_code}: show how to join, or stop presenting`);
    else button.removeAttribute('aria-label');
    button.title = session ? `Students go to ${location.host}/join and type ${session.join_code}; click for the QR code or to stop`
      : 'Let a class follow this lab on their own screens';
    problem.textContent = text;
    problem.hidden = !session || !text;
  }

  const presenting = createPresenting({ page: 'lab', button, dialog, state: () => liveState(state()), show, onAdopt, onError, onSession,
    current: 'state', followed: 'this lab' });

  /**
   * Sends the lab's state when presenting, unless a snapshot went out less than PLAYING_MS ago
   * while playing. @returns {boolean} false when it must be offered again later
   */
  function share(lab, now) {
    if (!presenting.session) return true;
    if (lab.playing && now - sharedAt < PLAYING_MS) return false;
    sharedAt = now;
    presenting.push(liveState(lab));
    return true;
  }

  return { share, resume: presenting.resume, get id() { return presenting.id; } };
}
