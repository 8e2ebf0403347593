import { serveTrials } from './trials/workerMain';

// Entry point of an AutoML trial worker thread (bundled to dist/worker.js).
serveTrials();
