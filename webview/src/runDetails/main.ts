import '@vscode-elements/elements/dist/vscode-tabs/index.js';
import '@vscode-elements/elements/dist/vscode-tab-header/index.js';
import '@vscode-elements/elements/dist/vscode-tab-panel/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import type { RunDetailsHostMessage, RunDetailsViewState, RunDetailsWebviewMessage } from '../protocol';
import baseCss from '../shared/base.css';
import { connectToHost, initialStateFromPage, installStyles } from '../shared/host';
import { lazyChartRenderer } from '../shared/lazyCharts';
import css from './runDetails.css';
import { RunDetailsView } from './runDetailsView';

installStyles(baseCss + css);
const charts = lazyChartRenderer();
const channel = connectToHost<RunDetailsHostMessage, RunDetailsWebviewMessage, RunDetailsViewState>((message) => view.handle(message));
const initial: RunDetailsViewState = channel.getState() ?? initialStateFromPage();
const view = new RunDetailsView(document.getElementById('root')!, channel, charts, initial);
channel.post({ type: 'ready' });
