/**
 * The items in arrays of `size` (the last one shorter), taken from `items` only as each array is asked
 * for: a writer can page through a million records without first copying them into one array.
 */
export function* inChunks<T>(items: Iterable<T>, size: number): IterableIterator<T[]> {
  if (!(Number.isInteger(size) && size > 0)) throw new RangeError(`chunks of ${size}`);
  let chunk: T[] = [];
  for (const item of items) {
    chunk.push(item);
    if (chunk.length === size) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield chunk;
}
