/**
 * A valid gzip file that inflates to `mebibytes` MiB: `head` followed by
 * zeros. Built from two deflate segments (the first MiB, then one MiB of
 * zeros repeated, each ended by a full flush so it can be repeated), an empty
 * final block and the gzip trailer (CRC-32 and length from node:zlib) — a
 * decompression bomb made in milliseconds instead of compressing the whole.
 */
import { constants, crc32, deflateRawSync } from "node:zlib";

const MIB = 1 << 20;

export function gzipBomb(head: Uint8Array, mebibytes: number): Uint8Array {
  const first = Buffer.alloc(MIB);
  first.set(head);
  const zeros = Buffer.alloc(MIB);
  const flush = { finishFlush: constants.Z_FULL_FLUSH };
  const firstBlock = deflateRawSync(first, flush);
  const zeroBlock = deflateRawSync(zeros, flush);
  let crc = crc32(first);
  for (let i = 1; i < mebibytes; i++) crc = crc32(zeros, crc);
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc >>> 0, 0);
  trailer.writeUInt32LE((mebibytes * MIB) % 2 ** 32, 4);
  const parts = [Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]), firstBlock];
  for (let i = 1; i < mebibytes; i++) parts.push(zeroBlock);
  parts.push(Buffer.from([0x03, 0x00]), trailer); // an empty final fixed-Huffman block
  return new Uint8Array(Buffer.concat(parts));
}
