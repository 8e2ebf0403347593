import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import type { CompareRunsHostMessage, CompareRunsViewState, CompareRunsWebviewMessage } from '../protocol';
import baseCss from '../shared/base.css';
import { connectToHost, initialStateFromPage, installStyles } from '../shared/host';
import { lazyChartRenderer } from '../shared/lazyCharts';
import css from './compareRuns.css';
import { CompareRunsView } from './compareRunsView';

installStyles(baseCss + css);
const charts = lazyChartRenderer();
const channel = connectToHost<CompareRunsHostMessage, CompareRunsWebviewMessage, CompareRunsViewState>((message) => view.handle(message));
const initial: CompareRunsViewState = channel.getState() ?? initialStateFromPage();
const view = new CompareRunsView(document.getElementById('root')!, channel, charts, initial);
channel.post({ type: 'ready' });
