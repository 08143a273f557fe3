/**
 * A field that refuses a value says so next to itself: `aria-invalid` on the field, and a
 * message it is described by, so the refusal is seen and read out. Nothing else is changed.
 */

let counter = 0;

/** The message element that belongs to a field, made on first use right after it. */
function messageFor(field) {
  const id = field.getAttribute('aria-describedby');
  const existing = id && document.getElementById(id);
  if (existing) return existing;
  counter += 1;
  const message = document.createElement('p');
  message.className = 'field-message';
  message.id = `field-message-${counter}`;
  message.setAttribute('role', 'alert');
  (field.closest('label') ?? field).after(message);
  field.setAttribute('aria-describedby', message.id);
  return message;
}

/**
 * Marks a field as refused, with the sentence that says why and what is kept.
 * @param {HTMLElement} field
 * @param {string} text
 */
export function refuse(field, text) {
  field.setAttribute('aria-invalid', 'true');
  messageFor(field).textContent = text;
}

/** Clears a field's refusal, if it had one. @param {HTMLElement} field */
export function accept(field) {
  if (field.getAttribute('aria-invalid') !== 'true') return;
  field.removeAttribute('aria-invalid');
  const id = field.getAttribute('aria-describedby');
  document.getElementById(id)?.remove();
  field.removeAttribute('aria-describedby');
}

/**
 * A number typed into a field, or the reason it cannot be used.
 * @param {string} text what was typed
 * @param {{min?: number, max?: number, name: string}} rule
 * @returns {{value?: number, problem?: string}}
 */
export function parseNumber(text, { min = -1e6, max = 1e6, name }) {
  const trimmed = text.trim();
  if (trimmed === '') return { problem: `${name} needs a number` };
  const value = Number(trimmed);
  if (!Number.isFinite(value)) return { problem: `${name}: “${trimmed}” is not a number` };
  const show = (x) => x.toLocaleString('en').replace('-', '−');
  if (value < min || value > max) return { problem: `${name} must be between ${show(min)} and ${show(max)}` };
  return { value };
}
