import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-tabs/index.js';
import '@vscode-elements/elements/dist/vscode-tab-header/index.js';
import '@vscode-elements/elements/dist/vscode-tab-panel/index.js';
import type { DataPreviewHostMessage, DataPreviewViewState, DataPreviewWebviewMessage } from '../protocol';
import baseCss from '../shared/base.css';
import { connectToHost, initialStateFromPage, installStyles } from '../shared/host';
import css from './dataPreview.css';
import { DataPreviewView } from './dataPreviewView';

installStyles(baseCss + css);
const channel = connectToHost<DataPreviewHostMessage, DataPreviewWebviewMessage, DataPreviewViewState>((message) => view.handle(message));
const initial: DataPreviewViewState = channel.getState() ?? initialStateFromPage();
const view = new DataPreviewView(document.getElementById('root')!, channel, initial);
channel.post({ type: 'ready' });
