/**
 * Explanations of Weir models: exact TreeSHAP for boosted trees, CART trees and forests,
 * closed-form SHAP for linear and logistic models, ensembles as the weighted sums of their
 * members, and the sums back to the user's raw columns. See docs/explain.md.
 */
export { addTreeShap, treeExpectedValue, type ShapTree } from './treeShap';
export { familyContributions, gbdtContributions, gbdtShapTrees, cartContributions, linearContributions, type Contributions } from './familyShap';
export { estimatorContributions, rowOutputs, toOutputSpace, combine } from './estimatorShap';
export { rawColumnMap, identityMap, sumToRaw, type RawColumnMap } from './rawColumns';
export { explainTable, explainFeatures, featuresOf, type ModelExplanation } from './explainModel';
