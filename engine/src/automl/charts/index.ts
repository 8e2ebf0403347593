export * from './chartTypes';
export { classificationCharts, regressionCharts, forecastingCharts, confusionMatrix } from './chartData';
