/**
 * "Copy as code": the NumPy and the PyTorch script that reproduce the training step on screen,
 * to read and to copy. A dialog over the page, so closing it leaves everything as it was.
 */

const LANGUAGES = {
  numpy: 'Needs only NumPy. Run it with python: it prints the loss, then every number as one line of JSON.',
  pytorch: 'The same step through torch.nn and torch.optim, in float64 (needs PyTorch). It prints the same numbers.',
};

/**
 * @param {HTMLDialogElement} dialog the markup of templates/index.html's #code
 * @param {{load: function(string): Promise<string>}} handlers load(lang) answers the script
 */
export function createCodeDialog(dialog, { load }) {
  const text = dialog.querySelector('.code-text');
  const note = dialog.querySelector('.code-note');
  const status = dialog.querySelector('.code-status');
  const copyButton = dialog.querySelector('.copy');
  const tabs = [...dialog.querySelectorAll('[data-lang]')];
  let lang = 'numpy';
  let script = '';
  let asked = 0; // the latest request: an older answer arriving late is dropped

  /** Fetches and shows one language's script. */
  async function show(next) {
    lang = next;
    tabs.forEach((tab) => tab.setAttribute('aria-pressed', String(tab.dataset.lang === lang)));
    note.textContent = LANGUAGES[lang];
    const mine = ++asked;
    script = '';
    text.textContent = '';
    copyButton.disabled = true;
    status.textContent = 'Writing the script…';
    try {
      const answer = await load(lang);
      if (mine !== asked) return;
      script = answer;
      text.textContent = answer;
      copyButton.disabled = false;
      status.textContent = '';
    } catch (error) {
      if (mine === asked) status.textContent = `The script could not be written: ${error.message}`;
    }
  }

  /** Selects the whole script, so Ctrl+C copies it where the page may not. */
  function selectScript() {
    const range = document.createRange();
    range.selectNodeContents(text);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    text.focus();
  }

  async function copy() {
    try {
      if (!navigator.clipboard?.writeText) throw new Error('no clipboard here');
      await navigator.clipboard.writeText(script);
      status.textContent = 'Copied: paste it into a .py file and run it.';
    } catch {
      selectScript();
      status.textContent = 'This browser does not let the page copy: the script is selected, press Ctrl+C (⌘C on a Mac) to copy it.';
    }
  }

  tabs.forEach((tab) => tab.addEventListener('click', () => show(tab.dataset.lang)));
  copyButton.addEventListener('click', copy);
  dialog.querySelector('.close').addEventListener('click', () => dialog.close());
  // Keys in the dialog are for it: they must neither step the page nor, with Escape, clear
  // the inspector behind it (the dialog still closes on Escape by itself).
  dialog.addEventListener('keydown', (event) => event.stopPropagation());

  /** Opens the dialog with the script of the step on screen now. */
  function open() {
    if (!dialog.open) dialog.showModal();
    show(lang);
  }

  return { open };
}
