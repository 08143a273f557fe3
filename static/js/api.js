/** The REST API, as the page uses it. Every call answers the parsed JSON or throws ApiError. */

export class ApiError extends Error {
  constructor(status, detail) {
    const first = Array.isArray(detail) ? detail[0] : null;
    super(first ? `${first.field}: ${first.msg}` : String(detail));
    this.status = status;
    this.detail = detail;
  }
}

async function call(path, body) {
  const response = await fetch(path, body === undefined ? {} : {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
  });
  const json = await response.json();
  if (!response.ok) throw new ApiError(response.status, json.detail);
  return json;
}

/** @returns {Promise<object>} one traced training step */
export const trace = (request) => call('/api/v1/trace', request);
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
