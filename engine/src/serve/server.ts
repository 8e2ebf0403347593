import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { isWeirError } from '../errors';
import type { AutoMLModel, Predictions } from '../automl/model/loadModel';
import { decodeCsvRequest, decodeJsonRequest, ScoringInputError, type ScoringRequest } from './scoringInput';

/**
 * A local scoring server for one loaded AutoML model, speaking MLflow's scoring protocol
 * (`mlflow models serve`): `POST /invocations` with a JSON or CSV body answers
 * `{"predictions": [...]}`; `GET /ping` and `GET /health` answer 200 once the model is loaded;
 * `GET /version` names Weir's version and the model. Requests are scored one at a time on
 * the event loop: scoring is synchronous CPU work, and a batch of 1,000 rows takes a few
 * milliseconds, so a queue of requests is served in order without threads.
 *
 * Every error answer is JSON `{"error_code", "message"}` (MLflow's shape) and never holds a
 * stack trace: 400 for a body that does not parse or lacks or mistypes a column the model
 * reads, 404 for an unknown path, 405 for a known path with the wrong method, 413 for a body
 * over `maxBodyBytes`, 415 for a content type other than JSON or CSV, 500 for a failure of
 * Weir's own (its message only).
 */

export interface ServeOptions {
  model: AutoMLModel;
  /** What `/version` and the logs say about the model. */
  info: { name: string; version: number; alias?: string; weir: string };
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Largest request body accepted (default 64 MiB). */
  maxBodyBytes?: number;
  /** One line per request (`METHOD PATH STATUS MS N rows`, "1 row" for one); default: nothing. */
  log?: (line: string) => void;
}

export interface RunningServer {
  url: string;
  port: number;
  host: string;
  /** Stops accepting connections, lets requests in flight finish (at most `graceMs`), then closes the rest. */
  close(graceMs?: number): Promise<void>;
}

export const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024;

const ROUTES: Record<string, string[]> = {
  '/invocations': ['POST'],
  '/ping': ['GET', 'HEAD'],
  '/health': ['GET', 'HEAD'],
  '/version': ['GET', 'HEAD'],
};

interface Answer {
  status: number;
  body: string;
  contentType?: string;
  rows?: number;
  headers?: Record<string, string>;
}

export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const { model } = options;
  const inFlight = new Set<Promise<void>>();

  const server = http.createServer((req, res) => {
    const started = performance.now();
    const done = handle(req, res, started).catch(() => undefined);
    inFlight.add(done);
    void done.finally(() => inFlight.delete(done));
  });
  // Keep-alive clients (autocannon, HTTP client pools) reuse connections; Node's defaults close idle ones after 5 s.
  server.keepAliveTimeout = 5_000;

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, started: number): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    let answer: Answer;
    try {
      answer = await route(req, url);
    } catch (e) {
      answer = errorAnswer(e);
    }
    const headers: Record<string, string | number> = { 'Content-Type': answer.contentType ?? 'application/json', 'Content-Length': Buffer.byteLength(answer.body), ...answer.headers };
    res.writeHead(answer.status, headers);
    res.end(req.method === 'HEAD' ? undefined : answer.body);
    options.log?.(`${new Date().toISOString()} ${req.method} ${url.pathname} ${answer.status} ${(performance.now() - started).toFixed(1)}ms ${answer.rows ?? 0} row${answer.rows === 1 ? '' : 's'}`);
  }

  async function route(req: http.IncomingMessage, url: URL): Promise<Answer> {
    const methods = ROUTES[url.pathname];
    if (!methods) {
      drain(req);
      return json(404, { error_code: 'NOT_FOUND', message: `no endpoint ${url.pathname}; the endpoints are POST /invocations, GET /ping, GET /health and GET /version` });
    }
    if (!methods.includes(req.method ?? '')) {
      drain(req);
      return { ...json(405, { error_code: 'METHOD_NOT_ALLOWED', message: `${url.pathname} accepts ${methods.join(', ')}, not ${req.method}` }), headers: { Allow: methods.join(', ') } };
    }
    if (url.pathname === '/ping') return { status: 200, body: '\n', contentType: 'text/plain' };
    if (url.pathname === '/health') return json(200, { status: 'ok', model: options.info.name, version: options.info.version });
    if (url.pathname === '/version') {
      return json(200, { weir: options.info.weir, model: options.info.name, version: options.info.version, ...(options.info.alias ? { alias: options.info.alias } : {}), algorithm: model.algorithm, task: model.task });
    }
    return invocations(req, url);
  }

  async function invocations(req: http.IncomingMessage, url: URL): Promise<Answer> {
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    const isCsv = type === 'text/csv';
    if (!isCsv && type !== 'application/json') {
      drain(req);
      throw new ScoringInputError(415, 'UNSUPPORTED_MEDIA_TYPE', `Content-Type ${type || '(none)'} is not supported; send application/json (dataframe_split, dataframe_records, instances or inputs) or text/csv`);
    }
    const text = await readBody(req, maxBody);
    const request: ScoringRequest = isCsv ? decodeCsvRequest(text, model.inputSchema) : decodeJsonRequest(text, model.inputSchema);
    const wantProbabilities = request.params.probabilities === true || url.searchParams.get('probabilities') === 'true';
    const predictions = model.predict(request.table);
    return { ...json(200, responseBody(predictions, wantProbabilities)), rows: request.table.rows };
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}`,
    port: address.port,
    host: address.address,
    async close(graceMs = 10_000) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), graceMs);
      await Promise.allSettled([...inFlight]);
      // Keep-alive connections that became idle after their last answer.
      server.closeIdleConnections();
      await closed;
      clearTimeout(timer);
    },
  };
}

/** MLflow's answer, plus per-class probabilities when asked for (`params.probabilities` or `?probabilities=true`). */
function responseBody(p: Predictions, withProbabilities: boolean): Record<string, unknown> {
  const body: Record<string, unknown> = { predictions: p.prediction };
  if (withProbabilities && p.probabilities) {
    const classes = Object.entries(p.probabilities);
    body.probabilities = Array.from({ length: p.rows }, (_, i) => Object.fromEntries(classes.map(([c, values]) => [c, values[i]])));
  }
  if (p.horizon) body.horizon = Array.from(p.horizon);
  return body;
}

function json(status: number, value: unknown): Answer {
  return { status, body: JSON.stringify(value) };
}

function errorAnswer(e: unknown): Answer {
  if (e instanceof ScoringInputError) return json(e.status, { error_code: e.errorCode, message: e.message, ...(e.details ?? {}) });
  // The model's own checks (a column the featurizer cannot read) are the client's to fix.
  if (isWeirError(e) && (e.code === 'BAD_INPUT' || e.code === 'NOT_FOUND')) return json(400, { error_code: 'BAD_REQUEST', message: e.hint ? `${e.message} ${e.hint}` : e.message });
  return json(500, { error_code: 'INTERNAL_ERROR', message: `scoring failed: ${e instanceof Error ? e.message : String(e)}` });
}

/** Reads the whole body as UTF-8, or answers 413 once it passes `limit` bytes. */
function readBody(req: http.IncomingMessage, limit: number): Promise<string> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    drain(req);
    return Promise.reject(tooLarge(limit));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > limit) {
        over = true;
        chunks.length = 0;
        drain(req);
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!over) resolve(Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', reject);
  });
}

function tooLarge(limit: number): ScoringInputError {
  return new ScoringInputError(413, 'REQUEST_TOO_LARGE', `the request body is over the limit of ${limit} bytes; send fewer rows per request or start the server with a larger --max-body-mb`);
}

/**
 * Discards the rest of a request body that will not be read, so the answer can be sent and
 * the connection stays usable. A client still sending far more than the limit is cut off.
 */
function drain(req: http.IncomingMessage): void {
  let discarded = 0;
  req.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > 256 * 1024 * 1024) req.socket.destroy();
  });
  req.resume();
}
