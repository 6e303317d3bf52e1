// Percent-decoding as CloudFront's logs need it: bytes are decoded as UTF-8,
// invalid sequences become U+FFFD instead of throwing, and malformed escapes
// such as `%zz` or a trailing `%` stay as they are.

const utf8 = new TextDecoder('utf-8', { fatal: false });

function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 65 && code <= 70) return code - 55;
  if (code >= 97 && code <= 102) return code - 87;
  return -1;
}

/** Decodes `%XX` escapes once. Strings without `%` are returned unchanged. */
export function percentDecode(value: string): string {
  if (value.indexOf('%') === -1) return value;

  const bytes = new Uint8Array(value.length * 3);
  let length = 0;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code === 37 && i + 2 < value.length) {
      const high = hexValue(value.charCodeAt(i + 1));
      const low = hexValue(value.charCodeAt(i + 2));
      if (high >= 0 && low >= 0) {
        bytes[length++] = high * 16 + low;
        i += 2;
        continue;
      }
    }
    length = appendUtf8(bytes, length, value, i);
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < value.length) i++;
  }
  return utf8.decode(bytes.subarray(0, length));
}

/** Writes the character at `index` as UTF-8 and returns the new length. */
function appendUtf8(bytes: Uint8Array, length: number, value: string, index: number): number {
  const code = value.codePointAt(index) ?? 0;
  if (code < 0x80) {
    bytes[length++] = code;
  } else {
    const encoded = Buffer.from(String.fromCodePoint(code), 'utf8');
    bytes.set(encoded, length);
    length += encoded.length;
  }
  return length;
}

/**
 * Decodes twice, for values CloudFront logs double-encoded (`%2520` for a space).
 * Limitation: a literal `%20` that a client really sent in such a value also
 * becomes a space.
 */
export function percentDecodeTwice(value: string): string {
  return percentDecode(percentDecode(value));
}
