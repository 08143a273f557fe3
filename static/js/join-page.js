/** The join page: a code read off the teacher's screen opens that session's follower view. */

import * as api from './api.js';

const form = document.querySelector('.join-form');
const input = form.querySelector('#code');
const message = form.querySelector('.join-message');

async function join(code) {
  const typed = code.trim();
  try {
    const session = await api.joinSession(typed);
    location.assign(`/s/${encodeURIComponent(session.id)}`);
  } catch (error) {
    input.setAttribute('aria-invalid', 'true');
    input.setAttribute('aria-describedby', 'join-message');
    message.id = 'join-message';
    const wrong = `No class is live with the code “${typed}”: check the letters on the screen.`;
    const tooMany = 'Too many wrong codes from this network: wait a minute, then try again.';
    message.textContent = { 404: wrong, 429: tooMany }[error.status] ?? `Could not reach the server: ${error.message}`;
    message.hidden = false;
  }
}

form.addEventListener('submit', (event) => { event.preventDefault(); join(input.value); });
const given = new URLSearchParams(location.search).get('code');
if (given) { input.value = given; join(given); } else input.focus();
