/**
 * The lab presented to a class: the Present button and its dialog (join URL, code, QR code),
 * the join code on that button while presenting, the pushes (a change of settings at once, the
 * weights at most four times a second while playing, and the last ones when paused), and
 * `?present=` to carry on after a reload. The lab hands over its state; this knows no more of it.
 */

import { createPresenter } from './live.js';
import { createPresentDialog } from './views/presentdialog.js';

const PLAYING_MS = 250; // while playing, a snapshot at most this often: followers see motion, not every epoch

/**
 * @param {HTMLButtonElement} button the toolbar's Present button: it shows the join code once presenting
 * @param {HTMLElement} problem where a failing push is said
 * @param {HTMLDialogElement} dialog the join details, with .close and .stop buttons
 * @param {{state: function(): object, onAdopt: function(object): void, onError: function(string): void,
 *   onSession: function(): void}} handlers `state` gives the lab's live state now; `onAdopt` shows a
 *   session's state (another tab changed it); `onError` says why presenting stopped or cannot start;
 *   `onSession` is told when presenting starts or stops (the URL changes)
 */
export function createLabPresenting(button, problem, dialog, { state, onAdopt, onError, onSession }) {
  let sharedAt = -Infinity;
  const presenter = createPresenter({
    onStatus: (text) => show(text),
    onConflict: (current) => {
      onAdopt(current);
      onError('The session was changed elsewhere (another tab presenting it?): showing its current state.');
    },
    onEnded: () => {
      show('');
      onSession();
      onError('The live session has ended: the class no longer follows this lab.');
    },
  });

  /** The join code on the button while presenting; what is wrong beside it. */
  function show(text) {
    const { session } = presenter;
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

  const joinDetails = createPresentDialog(dialog, {
    onStop: async () => {
      await presenter.stop();
      show('');
      onSession();
    },
  });

  async function present() {
    if (presenter.session) { joinDetails.open(presenter.session); return; }
    try {
      await presenter.start('lab', state());
      show('');
      onSession();
      joinDetails.open(presenter.session);
    } catch (failure) {
      onError(`The live session could not start: ${failure.message}`);
    }
  }

  /**
   * Sends the lab's state when presenting, unless a snapshot went out less than PLAYING_MS ago
   * while playing. @returns {boolean} false when it must be offered again later
   */
  function share(live, playing, now) {
    if (!presenter.session) return true;
    if (playing && now - sharedAt < PLAYING_MS) return false;
    sharedAt = now;
    presenter.push(live);
    return true;
  }

  /**
   * Presents session `id` again after a reload, with the key this tab kept.
   * @returns {Promise<object|null>} its state, or null (and why, said) when it cannot
   */
  async function resume(id) {
    try {
      const resumed = await presenter.resume(id);
      if (!resumed) throw new Error('this tab does not hold the presenter key for it');
      show('');
      return resumed.state;
    } catch (failure) {
      onError(`Not presenting session ${id.slice(0, 16)}: ${failure.message}.`);
      onSession();
      return null;
    }
  }

  button.addEventListener('click', present);
  show('');

  return { share, resume, get id() { return presenter.session?.id ?? null; } };
}
