/** The REST API, as the page uses it. Every call answers the parsed JSON (or text) or throws ApiError. */

export class ApiError extends Error {
  constructor(status, detail) {
    const first = Array.isArray(detail) ? detail[0] : null;
    super(first ? `${first.field}: ${first.msg}` : String(detail));
    this.status = status;
    this.detail = detail;
  }
}

async function call(path, body, { method = body === undefined ? 'GET' : 'POST', token, text = false } = {}) {
  const headers = body === undefined ? {} : { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (text && response.ok) return response.text();
  const json = response.status === 204 ? null : await response.json();
  if (!response.ok) throw new ApiError(response.status, json.detail);
  return json;
}

/**
 * @returns {Promise<object>} one traced training step. A diverged step answers no network
 * (nothing to post back); the page draws its updated values as '—', so it gets one of nulls.
 */
export const trace = async (request) => withNetwork(await call('/api/v1/trace', request), request.network);

/**
 * A trace whose `network` is null (it diverged) given one of nulls shaped as `network`, so
 * views draw its updated values as '—'. @returns {object} the trace
 */
export function withNetwork(trace, network) {
  if (trace.network === null) {
    const { layers, activations, weights, biases } = network;
    trace.network = { layers, activations, weights: weights.map((m) => m.map((r) => r.map(() => null))), biases: biases.map((b) => b.map(() => null)) };
  }
  return trace;
}
/** @returns {Promise<object>} the network a spec describes, every weight written out (an `init` scheme's draw) */
export const network = (spec) => call('/api/v1/network', spec);
/** @returns {Promise<string>} a runnable script (lang 'numpy' or 'pytorch') that reproduces a traced step */
export const code = (request, lang) => call(`/api/v1/code?lang=${encodeURIComponent(lang)}`, request, { text: true });
/** @returns {Promise<object>} the loss along one parameter */
export const lossSlice = (request) => call('/api/v1/loss-slice', request);
/** @returns {Promise<object[]>} preset summaries */
export const presets = () => call('/api/v1/presets');
/** @returns {Promise<object>} one preset with its request */
export const preset = (name) => call(`/api/v1/presets/${encodeURIComponent(name)}`);
/** @returns {Promise<object>} epochs of training, continuing where the request says */
export const train = (request) => call('/api/v1/train', request);
/** @returns {Promise<object>} a data set's train and test points */
export const dataset = (spec) => call('/api/v1/datasets', spec);

/** @returns {Promise<object>} a new live session, with its presenter token */
export const createSession = (page, state) => call('/api/v1/sessions', { page, state });
/** @returns {Promise<object>} a session's current version and state */
export const session = (id) => call(`/api/v1/sessions/${encodeURIComponent(id)}`);
/** @returns {Promise<object>} the session a join code names */
export const joinSession = (code) => call(`/api/v1/sessions/join/${encodeURIComponent(code)}`);
/** @returns {Promise<{version: number}>} the new version, once the change is accepted */
export const changeSession = (id, token, version, state) => call(`/api/v1/sessions/${encodeURIComponent(id)}/state`, { version, state }, { method: 'PUT', token });
/** Ends a session. */
export const endSession = (id, token) => call(`/api/v1/sessions/${encodeURIComponent(id)}`, undefined, { method: 'DELETE', token });
