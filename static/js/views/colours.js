/**
 * The lab's colour scale, diverging and colour-blind safe: orange for class 0 (or -1), white in
 * the middle, blue for class 1 (or +1). Shapes carry the class too, for anyone who cannot
 * tell the colours apart.
 */

const LOW = [179, 88, 6];
const MID = [255, 255, 255];
const HIGH = [33, 102, 172];

/** Writes v's colour into out[at], out[at + 1], out[at + 2]: the one rule scale and paintGrid use. */
function mix(out, at, v, lo, hi, fade) {
  const t = Math.max(0, Math.min(1, (v - lo) / (hi - lo)));
  const low = t < 0.5;
  const from = low ? LOW : MID;
  const to = low ? MID : HIGH;
  const u = low ? t * 2 : (t - 0.5) * 2;
  for (let i = 0; i < 3; i += 1) out[at + i] = Math.round((from[i] + (to[i] - from[i]) * u) * (1 - fade) + 255 * fade);
}

/**
 * @param {number} v the value
 * @param {number} lo the value shown orange
 * @param {number} hi the value shown blue
 * @param {number} fade 0 for full colour, towards 1 for paler (a heatmap behind points)
 * @returns {number[]} [r, g, b]
 */
export function scale(v, lo, hi, fade = 0) {
  const rgb = [0, 0, 0];
  mix(rgb, 0, v, lo, hi, fade);
  return rgb;
}

export const css = (rgb) => `rgb(${rgb[0]}, ${rgb[1]}, ${rgb[2]})`;
export const CLASS_COLOURS = { 0: css(LOW), 1: css(HIGH) };

/**
 * Paints values (row by row, the first row at the bottom) into an n x n canvas.
 * @param {HTMLCanvasElement} canvas
 */
export function paintGrid(canvas, values, n, lo, hi, fade = 0) {
  if (canvas.width !== n) { canvas.width = n; canvas.height = n; }
  const ctx = canvas.getContext('2d');
  const image = ctx.createImageData(n, n);
  for (let i = 0; i < n; i += 1) {
    for (let j = 0; j < n; j += 1) {
      // Straight into the pixels: a playing lab paints a plane and every neuron per answer.
      const at = ((n - 1 - i) * n + j) * 4;
      mix(image.data, at, values[i * n + j], lo, hi, fade);
      image.data[at + 3] = 255;
    }
  }
  ctx.putImageData(image, 0, 0);
  return canvas;
}
