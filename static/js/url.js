/** A JSON object in a URL query parameter, base64url-encoded so any text survives. */

/**
 * @param {object} value
 * @returns {string} base64url of its JSON
 */
export function pack(value) {
  const bytes = new TextEncoder().encode(JSON.stringify(value));
  let binary = '';
  bytes.forEach((b) => { binary += String.fromCharCode(b); });
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * @param {string|null} text base64url of a JSON object
 * @returns {object|null} the object, or null when it does not decode
 */
export function unpack(text) {
  if (!text) return null;
  try {
    const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
    return JSON.parse(new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0))));
  } catch {
    return null;
  }
}
