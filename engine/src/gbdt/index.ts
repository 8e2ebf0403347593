/**
 * Weir's gradient boosting: XGBoost's hist algorithm in WebAssembly (see docs/gbdt.md).
 * `train` fits a booster, `loadXGBoostJSON` reads a model saved by XGBoost or by Weir.
 */
import type { GbdtModule } from './api';
import { train } from './train';
import { loadXGBoostJSON } from './xgboostJson';

export type * from './api';
export { train, loadXGBoostJSON };

/** The module as the GbdtModule contract describes it. */
export const gbdt: GbdtModule = { train, loadXGBoostJSON };
