/**
 * A live lab session's follower page: the follower view (follow.js) fed by the session's
 * changes, its status line, the banner, and projector mode.
 */

import { createBanner, createProjectorToggle, followWithStatus, isShortcut } from '../chrome.js';
import { createLabFollower } from './follow.js';

const $ = (sel) => document.querySelector(sel);
const follower = createLabFollower(document.body);
const projector = createProjectorToggle($('.projector-toggle'));

followWithStatus(document.body.dataset.session, $('.live-status'), {
  onChange: (change) => {
    follower.receive(change);
    document.body.classList.add('ready');
  },
  shown: () => follower.shown,
  onNoSession: createBanner($('#error')),
});

document.addEventListener('keydown', (event) => {
  if (!isShortcut(event)) return;
  if (event.key === 'p' || event.key === 'P') projector.toggle();
  else if (event.key === 'Escape' && projector.on) projector.toggle(false);
});
