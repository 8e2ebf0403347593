import '@vscode-elements/elements/dist/vscode-tabs/index.js';
import '@vscode-elements/elements/dist/vscode-tab-header/index.js';
import '@vscode-elements/elements/dist/vscode-tab-panel/index.js';
import type { RunDetailsHostMessage, RunDetailsViewState, RunDetailsWebviewMessage } from '../protocol';
import baseCss from '../shared/base.css';
import { renderVegaLite } from '../shared/charts';
import { connectToHost, initialStateFromPage, installStyles } from '../shared/host';
import css from './runDetails.css';
import { RunDetailsView } from './runDetailsView';

installStyles(baseCss + css);
const channel = connectToHost<RunDetailsHostMessage, RunDetailsWebviewMessage, RunDetailsViewState>((message) => view.handle(message));
const initial: RunDetailsViewState = channel.getState() ?? initialStateFromPage();
const view = new RunDetailsView(document.getElementById('root')!, channel, renderVegaLite, initial);
channel.post({ type: 'ready' });
