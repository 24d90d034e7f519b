/**
 * Inflating compressed bytes with a bound: the platform's
 * `DecompressionStream` (Node ≥ 18 and browsers; no dependency), read chunk
 * by chunk and stopped as soon as the output would pass its bound. A file
 * that declares 47 MB but inflates to gigabytes (a decompression bomb) then
 * costs at most the bound in memory and the time to inflate that much.
 *
 * `inflateChunks` is the one place that runs a DecompressionStream;
 * `inflateBounded` (a fixed bound) and the IDX reader (a bound read from the
 * file's own header, src/data/idx.ts) both consume it.
 */
import { FileError } from "./file_error.js";

/** Thrown when compressed data is corrupt, truncated, or inflates past its bound. */
export class InflateError extends FileError {
  override readonly name = "InflateError";
}

/** The container formats `DecompressionStream` reads: gzip (RFC 1952), zlib (RFC 1950, "deflate") and raw deflate (RFC 1951). */
export type CompressedFormat = "gzip" | "deflate" | "deflate-raw";

/**
 * The most one compressed byte can inflate to: deflate codes at most 258
 * bytes (one length/distance pair) in 2 bits, so 1032:1 (zlib's technical
 * notes, "Maximum compression factor"). Output beyond `DEFLATE_MAX_RATIO` ×
 * the compressed size cannot come from a valid stream.
 */
export const DEFLATE_MAX_RATIO = 1032;

/**
 * The inflated bytes of `source` (compressed bytes, or a stream of them, e.g.
 * a file read piece by piece), chunk by chunk as the platform's
 * `DecompressionStream` produces them (tens of KB each). Stopping early (a
 * `break` or an error in the consumer's loop) cancels the inflation. A
 * corrupt or truncated stream is an `InflateError` naming `file`.
 *
 * Chunks: Uint8Array views the caller may keep; their sum is the inflated size.
 */
export async function* inflateChunks(source: Uint8Array | ReadableStream<Uint8Array>, format: CompressedFormat, file: string): AsyncGenerator<Uint8Array, void, undefined> {
  if (typeof DecompressionStream === "undefined") {
    throw new InflateError(file, `is ${format}-compressed, but this platform has no DecompressionStream (Node ≥ 18 or a current browser needed)`);
  }
  const input = (source instanceof Uint8Array ? new Blob([source as Uint8Array<ArrayBuffer>]).stream() : source) as ReadableStream<BufferSource>;
  const reader = input.pipeThrough(new DecompressionStream(format)).getReader();
  let finished = false;
  try {
    for (;;) {
      let next: ReadableStreamReadResult<Uint8Array>;
      try {
        next = await reader.read();
      } catch (err) {
        finished = true; // the stream has failed: nothing left to cancel
        if (err instanceof InflateError) throw err;
        throw new InflateError(file, `is not a valid ${format} stream (${err instanceof Error ? err.message : String(err)})`);
      }
      if (next.done) {
        finished = true;
        return;
      }
      yield next.value;
    }
  } finally {
    if (!finished) await reader.cancel().catch(() => undefined);
  }
}

/**
 * Inflates `bytes` (gzip, zlib or raw deflate), refusing output longer than
 * `maxBytes`. `file` names the source in errors. Returns the inflated bytes.
 */
export async function inflateBounded(bytes: Uint8Array, format: CompressedFormat, maxBytes: number, file: string): Promise<Uint8Array> {
  if (!(maxBytes >= 0) || !Number.isFinite(maxBytes)) throw new RangeError(`inflateBounded: maxBytes: expected a finite number ≥ 0, got ${maxBytes}`);
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of inflateChunks(bytes, format, file)) {
    total += chunk.length;
    if (total > maxBytes) throw new InflateError(file, `inflates to more than the ${maxBytes} bytes expected; stopped there (corrupt, or a decompression bomb)`);
    chunks.push(chunk);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}
