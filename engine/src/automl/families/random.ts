import { mulberry32 } from '../../util/mulberry32';

/**
 * A seeded generator (mulberry32) owned by the families, so a fit is reproducible from
 * its seed alone and no state is shared between trials running in the same worker.
 */
export function seededRandom(seed: number): () => number {
  return mulberry32(seed ^ 0x9e3779b9);
}
