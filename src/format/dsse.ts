/**
 * DSSE pre-authentication encoding (docs/format.md §3) and the broken one of
 * 0.2.0 signatures (§6.2), which verifiers still accept.
 *
 * @module
 */

const encoder = new TextEncoder();

/** `DSSEv1 <len(type)> <type> <len(payload)> <payload>`: the bytes that are signed. */
export function pae(payloadType: string, payload: Uint8Array): Uint8Array {
  const type = encoder.encode(payloadType);
  const head = encoder.encode(`DSSEv1 ${type.length} ${payloadType} ${payload.length} `);
  const out = new Uint8Array(head.length + payload.length);
  out.set(head);
  out.set(payload, head.length);
  return out;
}

/**
 * Python's `repr()` of a bytes object: `b'…'` with `\t \n \r`, `\\`, the
 * quote and `\xNN` escapes. The quote is `"` only when the bytes hold a `'`
 * and no `"`.
 */
export function pythonBytesRepr(bytes: Uint8Array): string {
  const quote = bytes.includes(0x27) && !bytes.includes(0x22) ? 0x22 : 0x27;
  let out = "b" + String.fromCharCode(quote);
  for (const b of bytes) {
    if (b === quote || b === 0x5c) out += "\\" + String.fromCharCode(b);
    else if (b === 0x09) out += "\\t";
    else if (b === 0x0a) out += "\\n";
    else if (b === 0x0d) out += "\\r";
    else if (b < 0x20 || b >= 0x7f) out += "\\x" + b.toString(16).padStart(2, "0");
    else out += String.fromCharCode(b);
  }
  return out + String.fromCharCode(quote);
}

/**
 * The PAE of 0.2.0 signatures: capital `V`, and the payload written as a
 * Python bytes literal while the length is the raw payload's.
 */
export function legacyPae(payloadType: string, payload: Uint8Array): Uint8Array {
  const type = encoder.encode(payloadType);
  return encoder.encode(
    `DSSEV1 ${type.length} ${payloadType} ${payload.length} ${pythonBytesRepr(payload)}`,
  );
}
