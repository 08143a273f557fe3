// The page chrome's key filter: a shortcut is a plain key pressed outside the fields, so typing
// a seed or a CSV row never plays, steps or switches projector mode.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FOLLOW_STATUS, isShortcut } from '../../static/js/chrome.js';

/** A key press on an element that is (or is inside) a field, or not. */
const press = (key, { field = null, ...modifiers } = {}) => ({
  key,
  ...modifiers,
  target: { closest: (selector) => (field && selector.split(',').map((s) => s.trim()).includes(field) ? { tagName: field } : null) },
});

test('a plain key on the page is a shortcut', () => {
  for (const key of [' ', 'p', 'P', 'r', 'ArrowRight', 'Escape']) assert.equal(isShortcut(press(key)), true, key);
});

test('a key typed in an input, a select or a textarea is not', () => {
  for (const field of ['input', 'select', 'textarea']) {
    assert.equal(isShortcut(press(' ', { field })), false, field);
    assert.equal(isShortcut(press('p', { field })), false, field);
  }
  assert.equal(isShortcut(press('p', { field: 'button' })), true); // a button is no field
});

test('keys a page names still act in a field (Escape leaves the editor)', () => {
  const options = { inFields: ['Escape'] };
  assert.equal(isShortcut(press('Escape', { field: 'input' }), options), true);
  assert.equal(isShortcut(press('p', { field: 'input' }), options), false);
  assert.equal(isShortcut(press('Escape', { field: 'input' })), false); // not unless named
});

test("Ctrl, ⌘ and Alt are the browser's, in a field or not", () => {
  for (const modifier of ['ctrlKey', 'metaKey', 'altKey']) {
    assert.equal(isShortcut(press('p', { [modifier]: true })), false, modifier);
    assert.equal(isShortcut(press('Escape', { [modifier]: true }), { inFields: ['Escape'] }), false, modifier);
  }
  assert.equal(isShortcut(press('P', { shiftKey: true })), true); // Shift makes a capital, not a chord
});

test('a target that is not an element (the document) is not a field', () => {
  assert.equal(isShortcut({ key: ' ', target: {} }), true);
  assert.equal(isShortcut({ key: ' ' }), true);
});

test("a follower's status has a sentence for each state live.js reports", () => {
  assert.deepEqual(Object.keys(FOLLOW_STATUS).sort(), ['ended', 'live', 'waiting']);
  for (const text of Object.values(FOLLOW_STATUS)) assert.ok(text.length > 10);
});
