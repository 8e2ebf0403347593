/** One controller per panel kind, over the shared {@link PanelController} base. */
export { CompareRunsController } from './compareRunsController';
export { DataPreviewController } from './dataPreviewController';
export { ModelCardController } from './modelCardController';
export { PanelController, type PanelLinks } from './panelController';
export { RunDetailsController } from './runDetailsController';
