/**
 * A tiny MathML builder. Formulas are plain trees ({t, c} or {t, text}) so the step logic
 * stays free of the DOM; `render` turns a tree into native MathML (no CDN, no fonts to fetch)
 * and `plain` into the sentence a screen reader announces.
 */

const NS = 'http://www.w3.org/1998/Math/MathML';

/** An identifier with an optional subscript and superscript: mi('w', '5'). */
export function mi(base, sub = null, sup = null) {
  const core = { t: 'mi', text: base };
  if (sub !== null && sup !== null) return { t: 'msubsup', c: [core, mnText(sub), mnText(sup)] };
  if (sub !== null) return { t: 'msub', c: [core, mnText(sub)] };
  if (sup !== null) return { t: 'msup', c: [core, mnText(sup)] };
  return core;
}

function mnText(s) {
  return typeof s === 'object' ? s : { t: /^[0-9.,]+$/.test(String(s)) ? 'mn' : 'mi', text: String(s) };
}

/** A number, already formatted. Negative numbers are bracketed where they follow an operator. */
export const mn = (text) => ({ t: 'mn', text });
export const mo = (text) => ({ t: 'mo', text });
export const mtext = (text) => ({ t: 'mtext', text });
export const row = (...c) => ({ t: 'mrow', c: c.flat() });
export const frac = (a, b) => ({ t: 'mfrac', c: [a, b] });
export const paren = (...c) => row(mo('('), ...c, mo(')'));
/** A named value, for highlighting: the term keeps a class the stylesheet colours. */
export const tagged = (cls, node) => ({ t: 'mrow', c: [node], cls });
/** Rows of an aligned table: each row is a list of cells. */
export const table = (rows) => ({ t: 'mtable', c: rows.map((r) => ({ t: 'mtr', c: r.map((cell) => ({ t: 'mtd', c: [cell] })) })) });

/** Joins terms with an operator: join([a, b, c], '+') -> a + b + c. */
export function join(terms, op) {
  const out = [];
  terms.forEach((term, i) => {
    if (i > 0) out.push(mo(op));
    out.push(term);
  });
  return row(...out);
}

/** dL/dx as a fraction of two partial derivatives. */
export function partial(top, bottom) {
  return frac(row(mo('∂'), top), row(mo('∂'), bottom));
}

/** Builds the MathML element for a tree. */
export function render(tree, display = 'block') {
  const math = document.createElementNS(NS, 'math');
  math.setAttribute('display', display);
  math.appendChild(build(tree));
  return math;
}

function build(node) {
  const el = document.createElementNS(NS, node.t);
  if (node.cls) el.setAttribute('class', node.cls);
  if (node.text !== undefined) el.textContent = node.text;
  for (const child of node.c || []) el.appendChild(build(child));
  return el;
}

/** The tree read aloud as plain text. */
export function plain(node) {
  if (node.text !== undefined) return node.t === 'mo' ? ` ${node.text} ` : node.text;
  const parts = (node.c || []).map(plain);
  switch (node.t) {
    case 'mfrac': return `${parts[0]} over ${parts[1]}`;
    case 'msub': return `${parts[0]}${parts[1]}`;
    case 'msup': return `${parts[0]}^${parts[1]}`;
    case 'msubsup': return `${parts[0]}${parts[1]}^${parts[2]}`;
    case 'mtr': return `${parts.join(' ')}; `;
    default: return parts.join('');
  }
}

/**
 * An equation broken at its equals signs, one line each, aligned on "=":
 * equation(lhs, symbolic, numbers, result) reads lhs = symbolic / = numbers / = result.
 * Extra rows (already [cell, cell, cell]) can follow.
 */
export function equation(lhs, ...rhs) {
  const rows = [];
  rhs.forEach((part, i) => {
    const lines = Array.isArray(part) ? part : [part];
    lines.forEach((line, n) => rows.push([i === 0 && n === 0 ? lhs : row(), n === 0 ? mo('=') : row(), line]));
  });
  return table(rows);
}

/**
 * A long sum broken into lines of `perLine` terms, continuation lines starting with the
 * operator, so a formula never runs off a projector's screen. A one-line sum is a plain row.
 */
export function sumLines(terms, perLine, op = '+') {
  if (terms.length <= perLine) return join(terms, op);
  const lines = [];
  for (let i = 0; i < terms.length; i += perLine) {
    const line = join(terms.slice(i, i + perLine), op);
    lines.push(i === 0 ? line : row(mo(op), line));
  }
  return lines;
}

/** Several equations stacked in one aligned table. */
export function equations(...tables) {
  return { t: 'mtable', c: tables.flatMap((tbl) => tbl.c) };
}
