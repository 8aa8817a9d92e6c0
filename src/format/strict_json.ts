/**
 * Duplicate member names in JSON. `JSON.parse` keeps the last of two equal
 * keys, other parsers keep the first: a signed statement or a bundle with a
 * duplicate key could mean one thing to us and another to a different
 * verifier or to a person reading it. No writer of the format emits them, so
 * readers refuse them.
 *
 * @module
 */

interface Frame {
  /** Member names seen so far; `undefined` for an array. */
  readonly keys: Set<string> | undefined;
  /** Dotted path of this container, for messages. */
  readonly path: string;
  /** Current member name (objects) or element index (arrays). */
  key: string;
  index: number;
}

/**
 * Returns the dotted path (`dsseEnvelope.payload`, `subject[0].name`) of the
 * first member whose name repeats an earlier one in the same object, or
 * `undefined`. `text` must already be valid JSON (parse it first).
 */
export function findDuplicateKey(text: string): string | undefined {
  const stack: Frame[] = [];
  let expectKey = false;
  const childPath = (): string => {
    const top = stack.at(-1);
    if (!top) return "";
    if (!top.keys) return `${top.path}[${top.index}]`;
    return top.path === "" ? top.key : `${top.path}.${top.key}`;
  };
  for (let i = 0; i < text.length; i++) {
    switch (text.charCodeAt(i)) {
      case 0x7b: // {
        stack.push({ keys: new Set(), path: childPath(), key: "", index: 0 });
        expectKey = true;
        break;
      case 0x5b: // [
        stack.push({ keys: undefined, path: childPath(), key: "", index: 0 });
        expectKey = false;
        break;
      case 0x7d: // }
      case 0x5d: // ]
        stack.pop();
        expectKey = false;
        break;
      case 0x2c: { // ,
        const top = stack.at(-1)!;
        if (top.keys) expectKey = true;
        else top.index++;
        break;
      }
      case 0x22: { // "
        let j = i + 1;
        while (text.charCodeAt(j) !== 0x22) j += text.charCodeAt(j) === 0x5c ? 2 : 1;
        if (expectKey) {
          const raw = text.slice(i, j + 1);
          const key: string = raw.includes("\\") ? JSON.parse(raw) : raw.slice(1, -1);
          const top = stack.at(-1)!;
          top.key = key;
          if (top.keys!.has(key)) return childPath();
          top.keys!.add(key);
          expectKey = false;
        }
        i = j;
        break;
      }
    }
  }
  return undefined;
}
