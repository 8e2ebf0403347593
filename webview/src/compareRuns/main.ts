import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import type { CompareRunsHostMessage, CompareRunsViewState, CompareRunsWebviewMessage } from '../protocol';
import baseCss from '../shared/base.css';
import { renderVegaLite } from '../shared/charts';
import { connectToHost, initialStateFromPage, installStyles } from '../shared/host';
import css from './compareRuns.css';
import { CompareRunsView } from './compareRunsView';

installStyles(baseCss + css);
const channel = connectToHost<CompareRunsHostMessage, CompareRunsWebviewMessage, CompareRunsViewState>((message) => view.handle(message));
const initial: CompareRunsViewState = channel.getState() ?? initialStateFromPage();
const view = new CompareRunsView(document.getElementById('root')!, channel, renderVegaLite, initial);
channel.post({ type: 'ready' });
