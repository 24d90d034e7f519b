/**
 * Inflating compressed bytes with a bound: the platform's
 * `DecompressionStream` (Node ≥ 18 and browsers; no dependency), read chunk
 * by chunk and stopped as soon as the output would pass `maxBytes`. A file
 * that declares 47 MB but inflates to gigabytes (a decompression bomb) then
 * costs at most `maxBytes` of memory and the time to inflate that much.
 */

/** Thrown when compressed data is corrupt, truncated, or inflates past its bound. */
export class InflateError extends Error {
  /** The file or source the bytes came from, as named in the message. */
  readonly file: string;
  constructor(file: string, detail: string) {
    super(`${file}: ${detail}`);
    this.name = "InflateError";
    this.file = file;
  }
}

/** The container formats `DecompressionStream` reads: gzip (RFC 1952), zlib (RFC 1950, "deflate") and raw deflate (RFC 1951). */
export type CompressedFormat = "gzip" | "deflate" | "deflate-raw";

/**
 * Inflates `bytes` (gzip, zlib or raw deflate), refusing output longer than
 * `maxBytes`. `file` names the source in errors. Returns the inflated bytes.
 */
export async function inflateBounded(bytes: Uint8Array, format: CompressedFormat, maxBytes: number, file: string): Promise<Uint8Array> {
  if (typeof DecompressionStream === "undefined") {
    throw new InflateError(file, `is ${format}-compressed, but this platform has no DecompressionStream (Node ≥ 18 or a current browser needed)`);
  }
  if (!(maxBytes >= 0) || !Number.isFinite(maxBytes)) throw new RangeError(`inflateBounded: maxBytes: expected a finite number ≥ 0, got ${maxBytes}`);
  const reader = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream(format)).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw new InflateError(file, `inflates to more than the ${maxBytes} bytes expected; stopped there (corrupt, or a decompression bomb)`);
      }
      chunks.push(value);
    }
  } catch (err) {
    if (err instanceof InflateError) throw err;
    throw new InflateError(file, `is not a valid ${format} stream (${err instanceof Error ? err.message : String(err)})`);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}
