import { describe, expect, it } from 'vitest';
import { instantiateKernels, WasmHeap } from '../../engine/src/gbdt/wasmKernels';
import { mulberry32 } from '../../engine/src/util/mulberry32';

/**
 * The split search's fast path (findBestSplit: only the non-empty bins get a candidate, gains
 * two at a time with SIMD) against the one-candidate-at-a-time reference, on histograms like a
 * small node's: most bins empty, some features with missing values, some nodes without any.
 */
describe('gbdt kernels: split search', () => {
  it('picks the same split, bit for bit, as the reference on sparse and dense histograms', () => {
    const k = instantiateKernels();
    const heap = new WasmHeap(k);
    const rand = mulberry32(42);
    const nf = 12;
    const nbins = Int32Array.from({ length: nf }, (_, f) => [2, 3, 17, 64, 200, 256][f % 6]);
    const slotBytes = new Int32Array(nf);
    let slots = 0;
    for (let f = 0; f < nf; f++) {
      slotBytes[f] = slots * 16;
      slots += nbins[f] + 1;
    }
    const nbinsPtr = heap.put(nbins);
    const slotBytesPtr = heap.put(slotBytes);
    k.setDataset(0, nf, 1, 1, 0, 0, slotBytesPtr, nbinsPtr, slots, 0, 0);
    const hist = heap.alloc(slots * 16);
    const mask = heap.alloc(nf);
    const outFast = heap.alloc(48);
    const outRef = heap.alloc(48);
    let splits = 0;
    let viaEmptyNeighbour = 0;
    for (let trial = 0; trial < 3000; trial++) {
      const mcw = [0, 0.001, 1, 3][trial % 4];
      const alpha = trial % 3 === 0 ? 0.5 : 0;
      k.setSplitParams([1, 0.1, 10][trial % 3], alpha, mcw, 0);
      // Share of non-empty bins: from a handful of rows to every bin.
      const fill = [0.01, 0.05, 0.2, 1][(trial >> 2) % 4];
      const f64 = heap.f64;
      const base = hist >>> 3;
      let g = 0;
      let h = 0;
      for (let f = 0; f < nf; f++) {
        let gf = 0;
        let hf = 0;
        for (let b = 0; b <= nbins[f]; b++) {
          const at = base + (slotBytes[f] >>> 3) + 2 * b;
          const missing = rand() < 0.4;
          const used = b === nbins[f] ? missing : rand() < fill;
          // Softmax-like and squared-error-like hessians; a few bins of masked rows (0, 0).
          const hv = used && rand() < 0.95 ? (trial % 2 ? rand() * 0.5 : Math.ceil(rand() * 5)) : 0;
          const gv = hv > 0 ? (rand() - 0.5) * 4 : 0;
          f64[at] = gv;
          f64[at + 1] = hv;
          gf += gv;
          hf += hv;
        }
        // The node's sums: feature 0's (in a real node every feature sums to the same), and a
        // hessian at least every feature's so no candidate's right side is negative.
        if (f === 0) g = gf;
        h = Math.max(h, hf);
      }
      const u8 = heap.u8;
      for (let f = 0; f < nf; f++) u8[mask + f] = rand() < 0.8 ? 1 : 0;
      k.findBestSplit(hist, g, h, mask, outFast);
      k.findBestSplitReference(hist, g, h, mask, outRef);
      const fast = heap.u8.slice(outFast, outFast + 36);
      const ref = heap.u8.slice(outRef, outRef + 36);
      expect(Buffer.from(fast).toString('hex'), `trial ${trial}`).toBe(Buffer.from(ref).toString('hex'));
      const feature = heap.i32[(outRef + 24) >>> 2];
      if (feature >= 0) {
        splits++;
        const bin = heap.i32[(outRef + 28) >>> 2];
        // The chosen bin's right neighbour is empty: a candidate the fast path never evaluates.
        const next = base + (slotBytes[feature] >>> 3) + 2 * (bin + 1);
        if (bin + 1 < nbins[feature] && f64[next] === 0 && f64[next + 1] === 0) viaEmptyNeighbour++;
      }
    }
    // The cases are not vacuous: most find a split, many next to skipped empty bins.
    expect(splits).toBeGreaterThan(2000);
    expect(viaEmptyNeighbour).toBeGreaterThan(100);
  });
});
