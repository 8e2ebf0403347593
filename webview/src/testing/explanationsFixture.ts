import type { ExplanationsView } from '../protocol';

/**
 * A small binary-classification explanations.json as the engine sends it: three raw
 * columns (Sex one-hot, Age with a missing indicator, Pclass), five engineered features and
 * four sampled rows whose values add up.
 */
export function explanationsFixture(): ExplanationsView {
  const rawShap = [
    [0.2, -0.05, 0.01],
    [-0.15, 0.03, -0.02],
    [0.18, 0.0, 0.04],
    [-0.12, -0.01, 0.0],
  ];
  const engShap = rawShap.map(([sex, age, pclass]) => [sex / 2, sex / 2, age * 0.8, age * 0.2, pclass]);
  return {
    algorithm: 'XGBoostClassifier',
    method: 'TreeSHAP (exact, path-dependent)',
    space: 'probability',
    outputs: ['0', '1'],
    base: [0.62, 0.38],
    sampleRows: 4,
    totalRows: 891,
    global: {
      raw: [
        { name: 'Sex', importance: 0.1625, perOutput: [0.1625, 0.1625] },
        { name: 'Age', importance: 0.0225, perOutput: [0.0225, 0.0225] },
        { name: 'Pclass', importance: 0.0175, perOutput: [0.0175, 0.0175] },
      ],
      engineered: [
        { name: 'Sex=female', importance: 0.08125, perOutput: [0.08125, 0.08125] },
        { name: 'Sex=male', importance: 0.08125, perOutput: [0.08125, 0.08125] },
        { name: 'Age', importance: 0.018, perOutput: [0.018, 0.018] },
        { name: 'Pclass', importance: 0.0175, perOutput: [0.0175, 0.0175] },
        { name: 'Age_missing', importance: 0.0045, perOutput: [0.0045, 0.0045] },
      ],
    },
    sampleRowIndex: [0, 222, 444, 666],
    sample: {
      raw: {
        columns: ['Sex', 'Age', 'Pclass'],
        shap: rawShap.map((r) => [r.map((x) => -x), r]),
        values: [
          ['female', 38, 1],
          ['male', 22, 3],
          ['female', null, 2],
          ['male', 54, 1],
        ],
      },
      engineered: {
        columns: ['Sex=female', 'Sex=male', 'Age', 'Age_missing', 'Pclass'],
        shap: engShap.map((r) => [r.map((x) => -x), r]),
        values: [
          [1, 0, 38, 0, 1],
          [0, 1, 22, 0, 3],
          [1, 0, 29.7, 1, 2],
          [0, 1, 54, 0, 1],
        ],
      },
    },
  };
}
