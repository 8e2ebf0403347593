import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { WeirError } from '../errors';

/**
 * The exports of dist/gbdt.wasm (engine/src/gbdt/assembly/index.ts). Pointers are byte
 * offsets into `memory`; `alloc` may grow the memory, which detaches every view taken
 * before, so callers take fresh views (see `WasmHeap`) after allocating.
 */
export interface GbdtKernels {
  memory: WebAssembly.Memory;
  alloc(bytes: number): number;
  heapMark(): number;
  heapRelease(mark: number): void;
  setDataset(rows: number, feats: number, width: number, rowWidth: number, bins: number, colBins: number, slotBytes: number, nbins: number, slots: number, rowIdx: number, tmpIdx: number): void;
  resetRowIndex(): void;
  globalizeRowCodes(): void;
  sketchFeature(col: number, weights: number, n: number, f: number, maxBin: number, cutsOut: number, scratchA: number, scratchB: number, counts: number): number;
  buildHist(hist: number, gh: number, begin: number, end: number, direct: number): void;
  subtractHist(dst: number, a: number, b: number): void;
  sumGradients(gh: number, begin: number, end: number, direct: number, out: number): void;
  setSplitParams(lambda: number, alpha: number, minChildWeight: number, maxDeltaStep: number): void;
  leafWeight(g: number, h: number): number;
  nodeGain(g: number, h: number): number;
  findBestSplit(hist: number, g: number, h: number, featMask: number, out: number): void;
  /** The one-candidate-at-a-time reference findBestSplit must agree with (for tests). */
  findBestSplitReference(hist: number, g: number, h: number, featMask: number, out: number): void;
  partitionRows(begin: number, end: number, f: number, splitBin: number, defaultLeft: number): number;
  findCategoricalSplit(hist: number, g: number, h: number, catMask: number, minChg: number, order: number, out: number): void;
  partitionRowsByBins(begin: number, end: number, f: number, leftBins: number, defaultLeft: number): number;
  addLeafValue(margin: number, k: number, begin: number, end: number, value: number): void;
  maskGradients(gh: number, mask: number, n: number): void;
  gradLogistic(n: number, margin: number, label: number, weights: number, scalePosWeight: number, gh: number): void;
  gradSquared(n: number, margin: number, label: number, weights: number, gh: number): void;
  gradAbsolute(n: number, margin: number, label: number, weights: number, gh: number): void;
  gradPseudoHuber(n: number, margin: number, label: number, weights: number, slope: number, gh: number): void;
  gradPoisson(n: number, margin: number, label: number, weights: number, maxDelta: number, gh: number): void;
  gradTweedie(n: number, margin: number, label: number, weights: number, rho: number, gh: number): void;
  softmaxScratchBytes(numClass: number): number;
  gradSoftmax(n: number, numClass: number, margin: number, label: number, weights: number, gh: number, scratch: number): void;
  predictTrees(data: number, rows: number, nf: number, nodes: number, roots: number, groups: number, depths: number, tBegin: number, tEnd: number, numClass: number, out: number, buf: number): void;
  sigmoidInPlace(out: number, n: number): void;
}

let compiled: WebAssembly.Module | undefined;

/**
 * Where dist/gbdt.wasm is: beside the bundle that runs (dist/cli.js, dist/worker.js,
 * dist/server.js), or under the repository's dist/ when running from source (vitest,
 * bench bundles in bench/.cache). WEIR_GBDT_WASM overrides both.
 */
export function wasmPath(): string {
  const override = process.env.WEIR_GBDT_WASM;
  if (override) {
    if (!existsSync(override)) throw new WeirError('NOT_FOUND', `WEIR_GBDT_WASM points at ${override}, which does not exist`);
    return override;
  }
  const candidates = [
    path.join(__dirname, 'gbdt.wasm'),
    path.resolve(__dirname, '..', 'dist', 'gbdt.wasm'),
    path.resolve(__dirname, '..', '..', 'dist', 'gbdt.wasm'),
    path.resolve(__dirname, '..', '..', '..', 'dist', 'gbdt.wasm'),
  ];
  const found = candidates.find((c) => existsSync(c));
  if (!found) {
    throw new WeirError('INTERNAL', `gbdt.wasm not found (looked in ${candidates.join(', ')})`, {
      hint: "Run 'npm run build' to compile the boosting kernels, or set WEIR_GBDT_WASM.",
    });
  }
  return found;
}

/**
 * A fresh instance of the kernels with its own memory. Compilation happens once per thread;
 * each instance is independent, so a model or a training run owns its memory and releases
 * it by dropping the instance.
 */
export function instantiateKernels(): GbdtKernels {
  if (!compiled) compiled = new WebAssembly.Module(readFileSync(wasmPath()));
  const instance = new WebAssembly.Instance(compiled, {});
  return instance.exports as unknown as GbdtKernels;
}

/**
 * Typed views over a kernel instance's memory that stay valid across growth: every accessor
 * re-reads `memory.buffer` when it has changed.
 */
export class WasmHeap {
  private buffer: ArrayBuffer;
  private f64View: Float64Array;
  private f32View: Float32Array;
  private i32View: Int32Array;
  private u8View: Uint8Array;

  constructor(readonly k: GbdtKernels) {
    this.buffer = k.memory.buffer;
    this.f64View = new Float64Array(this.buffer);
    this.f32View = new Float32Array(this.buffer);
    this.i32View = new Int32Array(this.buffer);
    this.u8View = new Uint8Array(this.buffer);
  }

  private refresh(): void {
    if (this.k.memory.buffer !== this.buffer) {
      this.buffer = this.k.memory.buffer;
      this.f64View = new Float64Array(this.buffer);
      this.f32View = new Float32Array(this.buffer);
      this.i32View = new Int32Array(this.buffer);
      this.u8View = new Uint8Array(this.buffer);
    }
  }

  /** Allocates bytes (16-byte aligned) and returns the pointer as a non-negative number. */
  alloc(bytes: number): number {
    const ptr = this.k.alloc(bytes) >>> 0;
    this.refresh();
    return ptr;
  }

  get f64(): Float64Array {
    this.refresh();
    return this.f64View;
  }
  get f32(): Float32Array {
    this.refresh();
    return this.f32View;
  }
  get i32(): Int32Array {
    this.refresh();
    return this.i32View;
  }
  get u8(): Uint8Array {
    this.refresh();
    return this.u8View;
  }

  /** Copies a typed array into fresh heap memory and returns its pointer. */
  put(values: Float32Array | Int32Array | Uint8Array | Float64Array): number {
    const ptr = this.alloc(values.byteLength);
    this.u8.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), ptr);
    return ptr;
  }
}
