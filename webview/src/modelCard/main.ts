import '@vscode-elements/elements/dist/vscode-button/index.js';
import type { ModelCardHostMessage, ModelCardViewState, ModelCardWebviewMessage } from '../protocol';
import baseCss from '../shared/base.css';
import { connectToHost, initialStateFromPage, installStyles } from '../shared/host';
import { ModelCardView } from './modelCardView';

installStyles(baseCss);
const channel = connectToHost<ModelCardHostMessage, ModelCardWebviewMessage, ModelCardViewState>((message) => view.handle(message));
const initial: ModelCardViewState = channel.getState() ?? initialStateFromPage();
const view = new ModelCardView(document.getElementById('root')!, channel, initial);
channel.post({ type: 'ready' });
