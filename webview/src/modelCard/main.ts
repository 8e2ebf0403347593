import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import type { ModelCardHostMessage, ModelCardViewState, ModelCardWebviewMessage } from '../protocol';
import baseCss from '../shared/base.css';
import { connectToHost, initialStateFromPage, installStyles } from '../shared/host';
import { lazyChartRenderer } from '../shared/lazyCharts';
import { ModelCardView } from './modelCardView';

installStyles(baseCss);
const channel = connectToHost<ModelCardHostMessage, ModelCardWebviewMessage, ModelCardViewState>((message) => view.handle(message));
const initial: ModelCardViewState = channel.getState() ?? initialStateFromPage();
// Created while this bundle's top level runs: the lazy renderer reads document.currentScript.
const renderChart = lazyChartRenderer();
const view = new ModelCardView(document.getElementById('root')!, channel, initial, renderChart);
channel.post({ type: 'ready' });
