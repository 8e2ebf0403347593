import type { Task } from '../../automl/types';

/**
 * Model and transformer names: Weir's settings use the names of Azure's v1 SDK
 * (`AutoMLConfig(allowed_models=['XGBoostClassifier'])`), while the CLI v2 YAML reference
 * lists the snake_case form (`allowed_training_algorithms: [xg_boost_classifier]`). This
 * table is written out rather than computed, because the v2 names split words in ways a
 * camel-to-snake rule gets wrong (`LightGBM` is `light_gbm`, `KNN` is `knn`).
 */
export const AZURE_ALGORITHM_NAMES: Readonly<Record<string, string>> = {
  // Weir runs these (settings.ts WEIR_MODELS).
  LogisticRegression: 'logistic_regression',
  DecisionTree: 'decision_tree',
  RandomForest: 'random_forest',
  ExtremeRandomTrees: 'extreme_random_trees',
  XGBoostClassifier: 'xg_boost_classifier',
  XGBoostRegressor: 'xg_boost_regressor',
  ElasticNet: 'elastic_net',
  Naive: 'naive',
  SeasonalNaive: 'seasonal_naive',
  // Azure only (settings.ts AZURE_ONLY_MODELS): accepted by Weir and passed on to Azure.
  // AveragedPerceptronClassifier, TabnetClassifier, TabnetRegressor, FastLinearRegressor and
  // OnlineGradientDescentRegressor existed only in the v1 SDK: they have no CLI v2 name.
  BernoulliNaiveBayes: 'bernoulli_naive_bayes',
  GradientBoosting: 'gradient_boosting',
  KNN: 'knn',
  LightGBM: 'light_gbm',
  LinearSVM: 'linear_svm',
  MultinomialNaiveBayes: 'multinomial_naive_bayes',
  SGD: 'sgd',
  SVM: 'svm',
  LassoLars: 'lasso_lars',
  Arimax: 'arimax',
  AutoArima: 'auto_arima',
  Average: 'average',
  ExponentialSmoothing: 'exponential_smoothing',
  Prophet: 'prophet',
  SeasonalAverage: 'seasonal_average',
  TCNForecaster: 'tcn_forecaster',
};

/**
 * The CLI v2 algorithm names each task accepts (Azure's ClassificationModels,
 * RegressionModels and ForecastingModels); a name of another task is left out with a warning.
 */
export const AZURE_TASK_ALGORITHMS: Readonly<Record<Task, readonly string[]>> = {
  classification: ['logistic_regression', 'sgd', 'multinomial_naive_bayes', 'bernoulli_naive_bayes', 'svm', 'linear_svm', 'knn', 'decision_tree', 'random_forest', 'extreme_random_trees', 'light_gbm', 'gradient_boosting', 'xg_boost_classifier'],
  regression: ['elastic_net', 'gradient_boosting', 'decision_tree', 'knn', 'lasso_lars', 'sgd', 'random_forest', 'extreme_random_trees', 'light_gbm', 'xg_boost_regressor'],
  forecasting: ['auto_arima', 'prophet', 'naive', 'seasonal_naive', 'average', 'seasonal_average', 'exponential_smoothing', 'arimax', 'tcn_forecaster', 'elastic_net', 'gradient_boosting', 'decision_tree', 'knn', 'lasso_lars', 'sgd', 'random_forest', 'extreme_random_trees', 'light_gbm', 'xg_boost_regressor'],
};

/** Featurization transformers, v1 names → the CLI v2 `blocked_transformers` values. */
export const AZURE_TRANSFORMER_NAMES: Readonly<Record<string, string>> = {
  TextTargetEncoder: 'text_target_encoder',
  OneHotEncoder: 'one_hot_encoder',
  CatTargetEncoder: 'cat_target_encoder',
  TfIdf: 'tf_idf',
  WoETargetEncoder: 'wo_e_target_encoder',
  LabelEncoder: 'label_encoder',
  WordEmbedding: 'word_embedding',
  NaiveBayes: 'naive_bayes',
  CountVectorizer: 'count_vectorizer',
  HashOneHotEncoder: 'hash_one_hot_encoder',
};

/** Weir's column purposes → the feature types of `featurization.column_name_and_types`. */
export const AZURE_COLUMN_PURPOSES: Readonly<Record<string, string>> = {
  Numeric: 'Numeric',
  Categorical: 'Categorical',
  CategoricalHash: 'CategoricalHash',
  DateTime: 'DateTime',
  Text: 'Text',
  Hashes: 'Hashes',
};
