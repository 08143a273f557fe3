/**
 * The page chrome every page script shares, written once: the banner (what went wrong, or what a
 * link asked for that was not used), the projector toggle, the key filter (typing in a field
 * never triggers a shortcut), a follower's status line, and presenting to a class (Present, its
 * dialog, resuming after a reload). Each piece takes its elements; nothing runs on import.
 */

import { createPresenter, follow } from './live.js';
import { createPresentDialog } from './views/presentdialog.js';

const FIELDS = 'input, select, textarea';

/**
 * Whether a key press is the page's to act on: not with Ctrl, ⌘ or Alt (the browser's), and
 * not while typing in a field, except for the keys named in `inFields` (Escape, for one).
 * @param {{key: string, ctrlKey?: boolean, metaKey?: boolean, altKey?: boolean, target?: object}} event
 * @param {{inFields?: string[]}} options
 */
export function isShortcut(event, { inFields = [] } = {}) {
  if (event.ctrlKey || event.metaKey || event.altKey) return false;
  const typing = Boolean(event.target?.closest?.(FIELDS));
  return !typing || inFields.includes(event.key);
}

/**
 * The banner: one message, or hidden when there is none. Its text goes in its `.message` when
 * it has one; its `.close` button, when it has one, dismisses it.
 * @param {HTMLElement} element
 * @returns {function(string): void} shows a message ('' hides the banner)
 */
export function createBanner(element) {
  const text = element.querySelector('.message') ?? element;
  const show = (message) => {
    text.textContent = message;
    element.hidden = !message;
  };
  element.querySelector('.close')?.addEventListener('click', () => show(''));
  return show;
}

/**
 * A notice that stays until dismissed: a title and the reasons under it, one an item (what of
 * a link or a file was not used, and why).
 * @param {HTMLElement} element holding .notice-title, a ul and a .dismiss button
 * @returns {function(string, string[]=): void} shows a title and its items ('' hides it)
 */
export function createNotice(element) {
  const show = (title, items = []) => {
    element.querySelector('.notice-title').textContent = title;
    const item = (text) => Object.assign(element.ownerDocument.createElement('li'), { textContent: text });
    element.querySelector('ul').replaceChildren(...items.map(item));
    element.hidden = !title;
  };
  element.querySelector('.dismiss').addEventListener('click', () => show(''));
  return show;
}

/**
 * Projector mode as a class on the page's body, its button saying how to leave it.
 * @param {HTMLButtonElement} button
 * @param {{onChange?: function(boolean): void}} handlers told after each switch
 */
export function createProjectorToggle(button, { onChange = () => {} } = {}) {
  const body = button.ownerDocument.body;
  const isOn = () => body.classList.contains('projector');
  /** Switches projector mode (or sets it, given `on`). */
  function toggle(on = !isOn()) {
    body.classList.toggle('projector', on);
    button.textContent = on ? 'Leave projector' : 'Projector';
    onChange(on);
  }
  button.addEventListener('click', () => toggle());
  return { toggle, get on() { return isOn(); } };
}

export const FOLLOW_STATUS = {
  live: 'Live: following the presenter',
  waiting: 'Waiting for the presenter… (reconnecting)',
  ended: 'The presenter has ended this session.',
};
export const NO_SESSION = 'There is no live session here: it has ended, or the link is not complete. Ask for the join code.';

/**
 * Follows session `id` (live.js `follow`), its status said in `element` and, while not live,
 * as the body's `waiting` class. A session that ends before anything was shown is said with
 * `onNoSession`, and the page counts as ready.
 * @param {string} id
 * @param {HTMLElement} element the status line
 * @param {{onChange: function(object): void, shown: function(): boolean,
 *   onNoSession: function(string): void}} handlers `shown` tells whether a change was shown yet
 * @returns {function(): void} stops following
 */
export function followWithStatus(id, element, { onChange, shown, onNoSession }) {
  const body = element.ownerDocument.body;
  return follow(id, {
    onChange,
    onStatus: (kind) => {
      element.textContent = FOLLOW_STATUS[kind];
      element.dataset.kind = kind;
      body.classList.toggle('waiting', kind !== 'live');
      if (kind === 'ended' && !shown()) {
        onNoSession(NO_SESSION);
        body.classList.add('ready');
      }
    },
  });
}

/**
 * Presenting a page to a class: its Present button opens the join details (starting the
 * session the first time), the dialog can stop it, a reload resumes it with the key this tab
 * kept. The page shows the session its own way (`show`) and keeps its URL (`onSession`).
 * @param {{page: string, button: HTMLButtonElement, dialog: HTMLDialogElement,
 *   state: function(): object, show: function(object|null, string): void,
 *   onAdopt: function(object): void, onError: function(string): void, onSession: function(): void,
 *   current: string, followed: string}} options `page` is the session's page kind; `state` gives
 *   what to present now; `show` gets the session (null when none) and what is wrong with it;
 *   `onAdopt` shows a state another tab pushed; `current` and `followed` name what the messages
 *   speak of ("step", "this page")
 * @returns {{push: function(object): void, resume: function(string): Promise<object|null>,
 *   session: object|null, id: string|null}}
 */
export function createPresenting({ page, button, dialog, state, show, onAdopt, onError, onSession, current, followed }) {
  const presenter = createPresenter({
    onStatus: (problem) => show(presenter.session, problem),
    onConflict: (changed) => {
      onAdopt(changed);
      onError(`The session was changed elsewhere (another tab presenting it?): showing its current ${current}.`);
    },
    onEnded: () => {
      show(null, '');
      onSession();
      onError(`The live session has ended: the class no longer follows ${followed}.`);
    },
  });

  const joinDetails = createPresentDialog(dialog, {
    onStop: async () => {
      await presenter.stop();
      show(null, '');
      onSession();
    },
  });

  async function present() {
    if (presenter.session) { joinDetails.open(presenter.session); return; }
    try {
      await presenter.start(page, state());
      show(presenter.session, '');
      onSession();
      joinDetails.open(presenter.session);
    } catch (failure) {
      onError(`The live session could not start: ${failure.message}`);
    }
  }

  /**
   * Presents session `id` again after a reload, with the key this tab kept.
   * @returns {Promise<object|null>} its state, or null (and why, said) when it cannot
   */
  async function resume(id) {
    try {
      const resumed = await presenter.resume(id);
      if (!resumed) throw new Error('this tab does not hold the presenter key for it');
      show(presenter.session, '');
      return resumed.state;
    } catch (failure) {
      onError(`Not presenting session ${id.slice(0, 16)}: ${failure.message}.`);
      onSession();
      return null;
    }
  }

  button.addEventListener('click', present);
  show(null, '');
  return {
    push: (shared) => presenter.push(shared),
    resume,
    get session() { return presenter.session; },
    get id() { return presenter.session?.id ?? null; },
  };
}
