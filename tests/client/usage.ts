// What a programmer writes with the types openapi-typescript generates (default options) from
// /openapi.json: a trace request built in code, a trace answer's loss read, and a session's
// state and its events' frames read as their page's own types. tests/client/test_generated_client.py
// checks it with tsc --noEmit --strict beside the generated schema.d.ts.
import type { components, paths } from './schema';

type TraceRequest = paths['/api/v1/trace']['post']['requestBody']['content']['application/json'];
type TraceAnswer = paths['/api/v1/trace']['post']['responses'][200]['content']['application/json'];
type SessionAnswer =
  paths['/api/v1/sessions/{session_id}']['get']['responses'][200]['content']['application/json'];
type SessionEvent = components['schemas']['SessionEvent'];

export const classic: TraceRequest = {
  network: {
    layers: [2, 2, 2], activations: ['sigmoid', 'sigmoid'],
    weights: [[[0.15, 0.2], [0.25, 0.3]], [[0.4, 0.45], [0.5, 0.55]]],
    biases: [[0.35, 0.35], [0.6, 0.6]],
  },
  loss: 'mse', inputs: [[0.05, 0.1]], targets: [[0.01, 0.99]],
  learning_rate: 0.5, update_biases: false, per_example: false, gradient_check: false,
};

// openapi-typescript's default (defaultNonNullable) types a field with a default as required
// in a schema a request shares with answers: a request gives them all.
export const seeded: TraceRequest = {
  ...classic,
  network: { layers: [2, 1], activations: ['tanh'], init: { scheme: 'xavier', seed: 0 } },
  inputs: [[1, 0]], targets: [[1]],
};

// A loss the API does not have is not a TraceRequest.
// @ts-expect-error: 'l7' is not a Loss
export const wrong: TraceRequest = { ...classic, loss: 'l7' };

export function lossOf(answer: TraceAnswer): number | null {
  return answer.loss;
}

export function nextRequest(answer: TraceAnswer): TraceRequest | null {
  // A step that diverged has no network to post back.
  return answer.network === null ? null : { ...classic, network: answer.network };
}

export function describe(session: SessionAnswer): string {
  switch (session.page) {
    case 'step':
      return `step: ${session.state.setup.loss}, ${session.state.setup.network.layers.join('-')}`;
    case 'lab':
      // @ts-expect-error: a lab session's state has no setup
      void session.state.setup;
      return `lab: ${session.state.settings.hidden.join('-')} on ${session.state.settings.dataset.name}`;
  }
}

export function drawn(event: SessionEvent): number | null {
  // @ts-expect-error: which frame it is depends on the page
  void event.frame.trace;
  if (event.page === 'step') {
    return event.frame.trace.loss;
  }
  return event.frame.data === null ? null : event.frame.data.train.x.length;
}
