/**
 * Live sessions in the browser: a presenter pushes every committed state with the version it
 * was based on; a follower gets every change over Server-Sent Events. Neither knows the page:
 * they take and hand over plain state objects.
 */

import * as api from './api.js';

const TOKEN_KEY = (id) => `backprop-viz:presenter:${id}`;
const RETRY_MS = [500, 1000, 2000, 4000, 8000];
const FAILURES_BEFORE_WARNING = 2;

/**
 * @param {{onStatus: function(string): void, onConflict: function(object, number): void,
 *   onEnded: function(): void}} handlers onStatus gets '' when all is well, else a sentence;
 *   onConflict gets the session's state when someone else changed it first
 */
export function createPresenter({ onStatus, onConflict, onEnded }) {
  let session = null; // {id, join_code, version, token}
  let sent = '';
  let pending = null;
  let flushing = false;
  let failures = 0;

  /** Starts a session presenting `state`. @returns {Promise<object>} the session */
  async function start(page, state) {
    const created = await api.createSession(page, state);
    session = { id: created.id, join_code: created.join_code, version: created.version, token: created.presenter_token };
    sessionStorage.setItem(TOKEN_KEY(created.id), created.presenter_token);
    sent = JSON.stringify(state);
    return session;
  }

  /**
   * Presents a session again after a reload, with the token this tab kept.
   * @returns {Promise<object|null>} the session and its state, or null when it cannot
   */
  async function resume(id) {
    const token = sessionStorage.getItem(TOKEN_KEY(id));
    if (!token) return null;
    const current = await api.session(id);
    session = { id, join_code: current.join_code, version: current.version, token };
    sent = JSON.stringify(current.state);
    return { session, state: current.state };
  }

  /** Sends the state if it changed; changes made while one is on its way are sent after it. */
  function push(state) {
    if (!session) return;
    if (JSON.stringify(state) === sent) return;
    pending = state;
    if (!flushing) flush();
  }

  async function flush() {
    flushing = true;
    while (pending && session) {
      const state = pending;
      pending = null;
      try {
        const answer = await api.changeSession(session.id, session.token, session.version, state);
        session.version = answer.version;
        sent = JSON.stringify(state);
        failures = 0;
        onStatus('');
      } catch (error) {
        if (error.status === 409) {
          const current = await api.session(session.id).catch(() => null);
          if (current) {
            session.version = current.version;
            sent = JSON.stringify(current.state);
            onConflict(current.state, current.version);
          }
        } else if (error.status === 404 || error.status === 403) {
          stopLocally();
          onEnded();
        } else if (error.status === 422) {
          onStatus(`The class did not get this change: ${error.message}`);
        } else {
          failures += 1;
          pending = pending ?? state; // the newest change still to send
          if (failures >= FAILURES_BEFORE_WARNING) onStatus('The server cannot be reached: the class sees the last step it got. Retrying…');
          await new Promise((resolve) => { setTimeout(resolve, RETRY_MS[Math.min(failures, RETRY_MS.length) - 1]); });
        }
      }
    }
    flushing = false;
  }

  function stopLocally() {
    if (session) sessionStorage.removeItem(TOKEN_KEY(session.id));
    session = null;
    pending = null;
  }

  /** Ends the session for everyone. */
  async function stop() {
    const ending = session;
    stopLocally();
    if (ending) await api.endSession(ending.id, ending.token).catch(() => {});
  }

  return { start, resume, push, stop, get session() { return session; } };
}

/**
 * Follows a session: `onChange` gets each change ({version, state, frame}); `onStatus` gets
 * 'live', 'waiting' (the connection dropped: the browser reconnects by itself), or 'ended'.
 * @returns {function(): void} stops following
 */
export function follow(id, { onChange, onStatus }) {
  let latest = 0;
  const source = new EventSource(`/api/v1/sessions/${encodeURIComponent(id)}/events`);
  source.addEventListener('state', (event) => {
    const data = JSON.parse(event.data);
    if (data.version < latest) return;
    latest = data.version;
    onChange(data);
    onStatus('live');
  });
  source.addEventListener('end', () => { source.close(); onStatus('ended'); });
  source.addEventListener('open', () => onStatus('live'));
  source.addEventListener('error', () => {
    if (source.readyState !== EventSource.CLOSED) { onStatus('waiting'); return; }
    // Closed for good (the server answered other than 200): ended when the session is gone
    // (404); else the server or its store is down for now (503, no answer): try again.
    const retry = () => { onStatus('waiting'); setTimeout(() => follow(id, { onChange, onStatus }), 2000); };
    api.session(id).then(retry, (error) => (error.status === 404 ? onStatus('ended') : retry()));
  });
  return () => source.close();
}
