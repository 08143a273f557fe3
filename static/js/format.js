/** Numbers on screen: a fixed number of decimals the user chooses, a true minus sign. */

/**
 * @param {number|null} value
 * @param {number} decimals
 * @returns {string} '—' where the API sent null (a value that overflowed)
 */
export function fmt(value, decimals) {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  const text = Math.abs(value) >= 1e6 ? value.toExponential(Math.max(1, decimals - 1)) : value.toFixed(decimals);
  // A value that rounds to zero is shown as 0, not −0.
  return (/^-0\.?0*$/.test(text) ? text.slice(1) : text).replace(/^-/, '−');
}

/** A number to paste into a formula after an operator: negative values get brackets. */
export function fmtTerm(value, decimals) {
  const text = fmt(value, decimals);
  return text.startsWith('−') ? `(${text})` : text;
}
