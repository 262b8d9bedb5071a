/**
 * Compression of archived WAL: none, gzip (node's zlib) or zstd (zstd-napi,
 * compiled from bundled source at install). Whole-segment buffers: a segment is
 * 16 MiB by default, small enough to hold and fast to compress in one call.
 */
import { gunzipSync, gzipSync, constants as zlibConstants } from 'node:zlib';
import { compress as zstdCompress, decompress as zstdDecompress } from 'zstd-napi';

export type WalCompression = 'none' | 'gzip' | 'zstd';

export function compressionSuffix(compression: WalCompression): string {
  return compression === 'gzip' ? '.gz' : compression === 'zstd' ? '.zst' : '';
}

export function compressWal(data: Buffer, compression: WalCompression): Buffer {
  if (compression === 'gzip') return gzipSync(data, { level: zlibConstants.Z_BEST_SPEED });
  if (compression === 'zstd') return zstdCompress(data, { compressionLevel: 3 });
  return data;
}

export function decompressWal(data: Buffer, compression: WalCompression | 'gzip' | 'zstd' | null): Buffer {
  if (compression === 'gzip') return gunzipSync(data);
  if (compression === 'zstd') return zstdDecompress(data);
  return data;
}
