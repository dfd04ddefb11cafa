/**
 * The buffers a message can hand over instead of copying: those its byte and number arrays fill
 * entirely. A view into a larger buffer (Node's small-Buffer pool, say) is copied, since transferring
 * would take the whole buffer away from the sender.
 */
export function transferables(message: unknown): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  const visit = (value: unknown): void => {
    if (ArrayBuffer.isView(value)) {
      const { buffer } = value;
      if (buffer instanceof ArrayBuffer && value.byteOffset === 0 && value.byteLength === buffer.byteLength)
        out.add(buffer);
    } else if (Array.isArray(value)) {
      for (const item of value) visit(item);
    } else if (typeof value === 'object' && value !== null) {
      for (const item of Object.values(value)) visit(item);
    }
  };
  visit(message);
  return [...out];
}

/** A copy of the bytes that owns its buffer, so it can be transferred without taking the caller's. */
export function owned(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}
