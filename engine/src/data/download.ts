import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable, Transform } from 'node:stream';
import { WeirError } from '../errors';
import { formatBytes } from '../util/format';

/**
 * Downloads an http(s) URL to a file, reporting progress. The engine downloads sources itself
 * (rather than letting DuckDB read URLs) so that the snapshot is taken once, progress can be
 * shown, and no DuckDB extension has to be fetched.
 */
export async function downloadToFile(url: string, dest: string, onProgress?: (message: string) => void, signal?: AbortSignal): Promise<{ bytes: number; fileName: string }> {
  let response: Response;
  try {
    response = await fetch(url, { signal, redirect: 'follow' });
  } catch (e) {
    if (signal?.aborted) throw new WeirError('CANCELED', `download of ${url} canceled`, { cause: e });
    throw new WeirError('BAD_INPUT', `could not download ${url}: ${(e as Error).message}${(e as Error).cause ? ` (${String((e as { cause?: unknown }).cause)})` : ''}`, { cause: e });
  }
  if (!response.ok || !response.body) {
    throw new WeirError('BAD_INPUT', `could not download ${url}: HTTP ${response.status} ${response.statusText}`);
  }
  const total = Number(response.headers.get('content-length') ?? NaN);
  let received = 0;
  let lastReport = 0;
  const report = (final: boolean) => {
    const now = Date.now();
    if (!onProgress || (!final && now - lastReport < 200)) return;
    lastReport = now;
    const pct = Number.isFinite(total) && total > 0 ? ` (${Math.floor((received / total) * 100)}%)` : '';
    onProgress(`downloading ${url}: ${formatBytes(received)}${Number.isFinite(total) ? ` of ${formatBytes(total)}` : ''}${pct}${final ? ' done' : ''}`);
  };
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      received += chunk.length;
      report(false);
      callback(null, chunk);
    },
  });
  try {
    await pipeline(Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>), counter, fs.createWriteStream(dest), { signal });
  } catch (e) {
    if (signal?.aborted) throw new WeirError('CANCELED', `download of ${url} canceled`, { cause: e });
    throw new WeirError('BAD_INPUT', `download of ${url} failed: ${(e as Error).message}`, { cause: e });
  }
  report(true);
  if (Number.isFinite(total) && received !== total) {
    throw new WeirError('BAD_INPUT', `download of ${url} ended after ${received} of ${total} bytes`);
  }
  const fromUrl = decodeURIComponent(path.basename(new URL(response.url || url).pathname));
  // A URL without an extension (OpenML's /data/v1/download/61) may name the file in its response.
  const attached = path.extname(fromUrl) ? undefined : attachmentName(response.headers.get('content-disposition'));
  return { bytes: received, fileName: attached ?? fromUrl };
}

/** The file name a Content-Disposition header gives (`attachment; filename="iris.arff"`, RFC 6266's filename*), if any. */
export function attachmentName(header: string | null): string | undefined {
  if (!header) return undefined;
  const extended = /filename\*\s*=\s*[^']*'[^']*'([^;]+)/i.exec(header);
  const plain = /filename\s*=\s*("([^"]*)"|[^;]+)/i.exec(header);
  let name: string | undefined;
  try {
    name = extended ? decodeURIComponent(extended[1].trim()) : plain ? (plain[2] ?? plain[1]).trim() : undefined;
  } catch {
    name = plain ? (plain[2] ?? plain[1]).trim() : undefined;
  }
  return name ? path.basename(name) : undefined;
}
