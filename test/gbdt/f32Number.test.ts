import { describe, expect, it } from 'vitest';
import { f32Number } from '../../engine/src/gbdt/booster';
import { mulberry32 } from '../../engine/src/util/mulberry32';

/** The definition: Number(f.toPrecision(p)) for the smallest p that reads back as the float32 f. */
function reference(x: number): number {
  const f = Math.fround(x);
  if (!Number.isFinite(f) || f === 0) return f;
  for (let p = 1; p < 9; p++) {
    const v = Number(f.toPrecision(p));
    if (Math.fround(v) === f) return v;
  }
  return Number(f.toPrecision(9));
}

describe('gbdt: f32Number (the shortest decimal of a float32, as XGBoost prints it)', () => {
  it('equals the toPrecision definition on random float32 bit patterns and on edge cases', () => {
    const rand = mulberry32(5);
    const bits = new Uint32Array(1);
    const asF32 = new Float32Array(bits.buffer);
    const values: number[] = [0, -0, NaN, Infinity, -Infinity, 1, -1, 0.1, 0.5, 16777215, 16777216, 16777217, 3.4028234663852886e38, 1.401298464324817e-45, 1.1754943508222875e-38, 1e-7, 1e21, 123456789, 0.30000001192092896];
    for (let k = -45; k <= 38; k++) values.push(10 ** k, 2.5 * 10 ** k, 9.9999999 * 10 ** k, -(5 * 10 ** k));
    for (let i = 0; i < 200_000; i++) {
      bits[0] = Math.floor(rand() * 4294967296);
      values.push(asF32[0]);
      // Model-like values: weights, gains, thresholds of moderate size.
      values.push((rand() - 0.5) * 10 ** Math.floor(rand() * 12 - 6));
    }
    let mismatches = 0;
    for (const v of values) {
      const got = f32Number(v);
      const want = reference(v);
      if (!Object.is(got, want)) {
        mismatches++;
        expect(got, `f32Number(${v})`).toBe(want);
      }
    }
    expect(mismatches).toBe(0);
  });
});
