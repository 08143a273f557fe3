/** The step-through page: one stepper over the whole document, its state mirrored in the URL. */

import { encode } from './state.js';
import { createStepper } from './stepper.js';

let urlTimer = 0;
const stepper = createStepper(document.body, {
  onCommit: (state) => {
    clearTimeout(urlTimer);
    urlTimer = setTimeout(() => history.replaceState(null, '', encode(state)), 200);
  },
});
stepper.start(location.search);
