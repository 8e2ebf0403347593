import type { CliCommand } from '../command';
import { WeirError } from '../../errors';
import { loadModel } from '../../automl/model/loadModel';
import { openWorkspace } from '../../store/workspace';
import { formatModelRef, parseModelRef } from '../../store/versionedRegistry';
import { DEFAULT_MAX_BODY_BYTES, startServer } from '../../serve/server';
import { WEIR_VERSION } from '../../version';

/** `weir model serve NAME[:VERSION|@ALIAS]`: MLflow's scoring protocol on a local port (docs/serving.md). */
export const serveCommands: CliCommand[] = [
  {
    path: ['model', 'serve'],
    usage: 'NAME[:VERSION|@ALIAS] [--port P] [--host H] [--max-body-mb N] [--quiet]',
    summary: 'Serves a registered AutoML model over HTTP (POST /invocations, MLflow\'s protocol) until Ctrl-C; binds 127.0.0.1 unless --host is given.',
    options: { port: { type: 'string' }, host: { type: 'string' }, 'max-body-mb': { type: 'string' }, quiet: { type: 'boolean' } },
    async run(args, io) {
      if (args.positionals.length !== 1) throw new WeirError('BAD_INPUT', 'expected one model NAME[:VERSION|@ALIAS]', { hint: `Usage: weir model serve ${this.usage}` });
      const ref = parseModelRef(args.positionals[0]!);
      const port = wholeNumber(args.values.port, '--port', 5000, 0, 65535);
      const maxBodyMb = args.values['max-body-mb'] === undefined ? DEFAULT_MAX_BODY_BYTES / 1024 / 1024 : Number(args.values['max-body-mb']);
      if (!Number.isFinite(maxBodyMb) || maxBodyMb <= 0) throw new WeirError('BAD_INPUT', `--max-body-mb must be a positive number, got '${String(args.values['max-body-mb'])}'`);
      const host = typeof args.values.host === 'string' ? args.values.host : '127.0.0.1';

      // The store is only needed to find the model: close it before serving, so a long-lived
      // server holds no descriptors or watchers on the workspace.
      const store = await openWorkspace(args.workspace);
      let version;
      let modelPath: string;
      try {
        version = await store.resolveModel(ref);
        modelPath = store.artifactPath(version.artifact);
      } finally {
        await store.dispose();
      }
      const model = loadModel(modelPath);
      const quiet = args.values.quiet === true;
      try {
        const server = await startServer({
          model,
          info: { name: version.name, version: version.version, ...(ref.alias ? { alias: ref.alias } : {}), weir: WEIR_VERSION },
          host,
          port,
          maxBodyBytes: Math.round(maxBodyMb * 1024 * 1024),
          log: quiet ? undefined : (line) => io.out(line),
        }).catch((e: NodeJS.ErrnoException) => {
          if (e.code === 'EADDRINUSE') throw new WeirError('BAD_INPUT', `port ${port} on ${host} is in use`, { hint: 'Pick another with --port P (or --port 0 for any free port).' });
          if (e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND') throw new WeirError('BAD_INPUT', `cannot listen on host '${host}': ${e.message}`);
          throw e;
        });
        // `NAME:VERSION` already names what is served; a bare name or an alias says what it resolved to.
        const resolved = `${version.name}:${version.version}`;
        const label = `${formatModelRef(ref) === resolved ? resolved : `${formatModelRef(ref)} → ${resolved}`} (${model.algorithm}, ${model.task})`;
        if (args.json) io.json({ url: server.url, model: version.name, version: version.version, alias: ref.alias, columns: model.inputSchema });
        else {
          io.out(`Serving ${label}`);
          io.out(`Listening on ${server.url}  (POST ${server.url}/invocations; Ctrl-C stops)`);
        }
        if (!/^(127\.|::1$|localhost$)/.test(host)) io.err(`warning: listening on ${host}: anyone who can reach this machine can call the model (there is no authentication).`);
        await new Promise<void>((resolve) => {
          if (io.signal.aborted) resolve();
          else io.signal.addEventListener('abort', () => resolve(), { once: true });
        });
        if (!quiet) io.out('Stopping: finishing requests in flight…');
        await server.close();
        if (!quiet) io.out('Stopped.');
        return 0;
      } finally {
        model.dispose();
      }
    },
  },
];

function wholeNumber(value: unknown, flag: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new WeirError('BAD_INPUT', `${flag} must be a whole number from ${min} to ${max}, got '${String(value)}'`);
  return n;
}
