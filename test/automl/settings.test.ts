import { describe, expect, it } from 'vitest';
import { WeirError } from '../../engine/src/errors';
import { WEIR_MODELS, automlConfigSchema, parseAutoMLConfig, resolveSettings } from '../../engine/src/automl/settings';
import { allFamilies } from '../../engine/src/automl/families';
import { defaultPrimaryMetric, primaryMetrics } from '../../engine/src/automl/metrics/metricCatalog';

const base = { task: 'classification', label_column_name: 'Survived' } as const;

function problems(raw: unknown): string[] {
  const r = automlConfigSchema.safeParse(raw);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('automl settings', () => {
  it('accepts the article settings', () => {
    const c = parseAutoMLConfig({ ...base, primary_metric: 'AUC_weighted', iterations: 2, iteration_timeout_minutes: 10, experiment_timeout_hours: 0.25, featurization: 'auto' });
    expect(c.iterations).toBe(2);
    expect(resolveSettings(c, { rows: 891 }).experimentTimeoutMs).toBe(15 * 60_000);
  });

  it('rejects a metric that does not fit the task and lists the allowed ones', () => {
    const p = problems({ ...base, primary_metric: 'r2_score' });
    expect(p).toHaveLength(1);
    expect(p[0]).toMatch(/^primary_metric: .*'r2_score'.*classification.*accuracy, AUC_weighted, average_precision_score_weighted, norm_macro_recall, precision_score_weighted/);
    expect(problems({ task: 'regression', label_column_name: 'y', primary_metric: 'AUC_weighted' })[0]).toMatch(/spearman_correlation, normalized_root_mean_squared_error, r2_score, normalized_mean_absolute_error/);
    expect(problems({ task: 'regression', label_column_name: 'y', primary_metric: 'r2_score' })).toEqual([]);
  });

  it('rejects unknown model names, naming them and what Weir runs', () => {
    const p = problems({ ...base, allowed_models: ['XGBoostClassifier', 'RandomForrest'], blocked_models: ['Nope'] });
    expect(p).toEqual([
      expect.stringMatching(/^allowed_models.1: unknown model 'RandomForrest'.*LogisticRegression, DecisionTree, RandomForest, ExtremeRandomTrees, XGBoostClassifier/),
      expect.stringMatching(/^blocked_models.0: unknown model 'Nope'/),
    ]);
    // A regression model name is unknown for classification.
    expect(problems({ ...base, allowed_models: ['ElasticNet'] })[0]).toMatch(/unknown model 'ElasticNet'/);
    // Azure names Weir lacks are accepted, but allowing only those is an error.
    expect(problems({ ...base, allowed_models: ['LightGBM', 'XGBoostClassifier'] })).toEqual([]);
    expect(problems({ ...base, allowed_models: ['LightGBM'] })[0]).toMatch(/none of the allowed models runs in Weir/);
  });

  it('rejects bad timeouts', () => {
    expect(problems({ ...base, experiment_timeout_minutes: 0 })[0]).toMatch(/experiment_timeout_minutes: .*greater than 0/);
    expect(problems({ ...base, experiment_timeout_minutes: -1 })[0]).toMatch(/greater than 0/);
    expect(problems({ ...base, experiment_timeout_minutes: 'soon' })[0]).toMatch(/experiment_timeout_minutes: .*number/);
    expect(problems({ ...base, experiment_timeout_minutes: 1, experiment_timeout_hours: 1 })[0]).toMatch(/not both/);
    expect(problems({ ...base, experiment_timeout_minutes: 1, iteration_timeout_minutes: 5 })[0]).toMatch(/^iteration_timeout_minutes: .*longer than the experiment timeout/);
    // A one-minute budget is fine locally (Azure's 15-minute minimum is a cloud limit).
    expect(problems({ ...base, experiment_timeout_minutes: 1 })).toEqual([]);
  });

  it('rejects other malformed settings', () => {
    expect(problems({ ...base, task: 'clustering' })[0]).toMatch(/^task:/);
    expect(problems({ ...base, iterations: 0 })[0]).toMatch(/^iterations:/);
    expect(problems({ ...base, iterations: 2.5 })[0]).toMatch(/^iterations:/);
    expect(problems({ ...base, n_cross_validations: 1 })[0]).toMatch(/^n_cross_validations:/);
    expect(problems({ ...base, validation_size: 1.5 })[0]).toMatch(/^validation_size:/);
    expect(problems({ ...base, n_cross_validations: 3, validation_size: 0.2 })[0]).toMatch(/not both/);
    expect(problems({ ...base, cv_split_column_names: ['f1'], n_cross_validations: 3 })[0]).toMatch(/^cv_split_column_names:/);
    expect(problems({ ...base, featurization: 'sometimes' })[0]).toMatch(/^featurization:/);
    expect(problems({ ...base, featurization: { drop_columns: ['Name'], column_purposes: { Pclass: 'Categorical' } } })).toEqual([]);
    expect(problems({ ...base, max_concurrent_iterations: 0 })[0]).toMatch(/^max_concurrent_iterations:/);
    expect(problems({ ...base, enable_early_stopping: 'yes' })[0]).toMatch(/^enable_early_stopping:/);
    expect(problems({ ...base, experiment_exit_score: 'high' })[0]).toMatch(/^experiment_exit_score:/);
    expect(problems({ ...base, weight_column_name: 3 })[0]).toMatch(/^weight_column_name:/);
    expect(problems({ ...base, label_column_name: '' })[0]).toMatch(/^label_column_name:/);
    expect(problems({ ...base, itterations: 3 })[0]).toMatch(/itterations/);
    expect(problems({ ...base, time_column_name: 'Date' })[0]).toMatch(/^time_column_name: .*'forecasting' only/);
    expect(problems({ task: 'forecasting', label_column_name: 'CO2' })[0]).toMatch(/^time_column_name: forecasting needs/);
    expect(problems({ task: 'forecasting', label_column_name: 'CO2', time_column_name: 'Date', forecast_horizon: 0 })[0]).toMatch(/^forecast_horizon:/);
    expect(problems({ task: 'forecasting', label_column_name: 'CO2', time_column_name: 'Date', target_lags: [0] })[0]).toMatch(/^target_lags/);
    expect(problems({ task: 'forecasting', label_column_name: 'CO2', time_column_name: 'Date', target_rolling_window_size: 'big' })[0]).toMatch(/^target_rolling_window_size/);
  });

  it('throws BAD_INPUT with every problem from parseAutoMLConfig', () => {
    try {
      parseAutoMLConfig({ ...base, primary_metric: 'r2_score', iterations: -1 });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(WeirError);
      expect((e as WeirError).code).toBe('BAD_INPUT');
      expect((e as Error).message).toMatch(/iterations/);
      expect((e as Error).message).toMatch(/primary_metric/);
    }
  });

  it("applies Azure's defaults: 10 folds under 1,000 rows, 3 under 20,000, a 10% holdout above", () => {
    const c = parseAutoMLConfig(base);
    expect(resolveSettings(c, { rows: 891 }).validation).toEqual({ type: 'cv', folds: 10 });
    expect(resolveSettings(c, { rows: 5_000 }).validation).toEqual({ type: 'cv', folds: 3 });
    expect(resolveSettings(c, { rows: 25_000 }).validation).toEqual({ type: 'holdout', fraction: 0.1 });
    expect(resolveSettings(parseAutoMLConfig({ ...base, n_cross_validations: 5 }), { rows: 25_000 }).validation).toEqual({ type: 'cv', folds: 5 });
    expect(resolveSettings(c, { rows: 100, hasValidationInput: true }).validation).toEqual({ type: 'validation_data', input: 'validation_data' });
    const r = resolveSettings(c, { rows: 100, coreCount: 6 });
    expect(r.primaryMetric).toBe('accuracy');
    expect(r.concurrency).toBe(6);
    expect(r.earlyStopping).toBe(true);
    expect(r.earlyStoppingPatience).toBe(20);
    expect(r.iterations).toBe(1000);
    expect(r.votingEnsemble && r.stackEnsemble).toBe(true);
    expect(resolveSettings(parseAutoMLConfig({ task: 'regression', label_column_name: 'y' }), { rows: 10 }).primaryMetric).toBe('normalized_root_mean_squared_error');
  });

  it('resolves allowed and blocked models', () => {
    const r = resolveSettings(parseAutoMLConfig({ ...base, allowed_models: ['XGBoostClassifier', 'LightGBM', 'DecisionTree'], blocked_models: ['DecisionTree'] }), { rows: 100 });
    expect(r.allowedModels).toEqual(['XGBoostClassifier']);
    expect(r.skippedModels).toEqual(['LightGBM']);
  });

  it("lists exactly the model families that exist (no drift)", () => {
    for (const task of ['classification', 'regression'] as const) {
      expect([...WEIR_MODELS[task]].sort()).toEqual(allFamilies(task).map((f) => f.name).sort());
    }
    expect([...WEIR_MODELS.forecasting].sort()).toEqual([...allFamilies('regression').map((f) => f.name), 'Naive', 'SeasonalNaive'].sort());
  });

  it('describes every field for hover docs', () => {
    const shape = (automlConfigSchema as unknown as { def: { in?: { shape: Record<string, { description?: string }> } } }).def;
    const fields = shape.in?.shape ?? (automlConfigSchema as unknown as { shape: Record<string, { description?: string }> }).shape;
    const undocumented = Object.entries(fields).filter(([, f]) => !f.description).map(([k]) => k);
    expect(Object.keys(fields).length).toBeGreaterThan(25);
    expect(undocumented).toEqual([]);
  });
});

describe('primary_metric documentation', () => {
  it('is written from the metric catalog, defaults marked', () => {
    const text = (automlConfigSchema as unknown as { shape: { primary_metric: { description?: string } } }).shape.primary_metric.description!;
    for (const task of ['classification', 'regression', 'forecasting'] as const) {
      expect(text).toContain(`${defaultPrimaryMetric[task]} (default)`);
      for (const metric of primaryMetrics[task]) expect(text).toContain(metric);
    }
    // One sentence names regression and forecasting together: they must allow the same metrics.
    expect([...primaryMetrics.regression].sort()).toEqual([...primaryMetrics.forecasting].sort());
    expect(defaultPrimaryMetric.regression).toBe(defaultPrimaryMetric.forecasting);
  });
});
