/** Building SVG from script: the namespace and one element-making helper for every view. */

export const SVG = 'http://www.w3.org/2000/svg';

/**
 * @param {string} tag
 * @param {Object<string, string|number>} attrs
 * @param {Element|null} parent appended to, when given
 * @param {string|null} text its text content, when given
 * @returns {SVGElement}
 */
export function el(tag, attrs = {}, parent = null, text = null) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== null) node.textContent = text;
  if (parent) parent.appendChild(node);
  return node;
}
