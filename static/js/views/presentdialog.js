/** The join details a presenter shows the class: where to go, the code, a QR code of the link. */

/**
 * @param {HTMLDialogElement} dialog the markup of templates/_present_dialog.html
 * @param {{onStop: function(): Promise<void>}} handlers onStop ends the session
 */
export function createPresentDialog(dialog, { onStop }) {
  dialog.querySelector('.close').addEventListener('click', () => dialog.close());
  dialog.querySelector('.stop').addEventListener('click', async () => {
    await onStop();
    dialog.close();
  });
  // Keys on the dialog's buttons (Space, arrows) must not step or play the page behind it.
  dialog.addEventListener('keydown', (event) => { if (event.key !== 'Escape') event.stopPropagation(); });

  /** @param {{id: string, join_code: string}} session */
  function open(session) {
    // The server says where students join (its public address), as its QR code encodes it.
    const where = dialog.querySelector('.present-url');
    where.textContent = where.dataset.join || `${location.host}/join`;
    dialog.querySelector('.present-code').textContent = session.join_code;
    dialog.querySelector('.present-qr').src = `/s/${encodeURIComponent(session.id)}/qr.svg`;
    if (!dialog.open) dialog.showModal();
  }

  return { open };
}
