import type { TopLevelSpec } from 'vega-lite';
import type { ViewState } from '../protocol';
import type { ChartRenderer } from '../shared/charts';
import type { HostChannel } from '../shared/host';

/** A host channel that records what the view posts and stores, for the unit tests. */
export function recordingHost<Out, S extends ViewState>(initial?: S): HostChannel<Out, S> & { sent: Out[]; state: S | undefined } {
  const channel = {
    sent: [] as Out[],
    state: initial,
    post(message: Out) {
      channel.sent.push(message);
    },
    getState() {
      return channel.state;
    },
    setState(state: S) {
      channel.state = state;
    },
  };
  return channel;
}

/** A chart renderer that records specs and marks the container, instead of running Vega. */
export function recordingRenderer(): ChartRenderer & { specs: { container: HTMLElement; spec: TopLevelSpec }[] } {
  const specs: { container: HTMLElement; spec: TopLevelSpec }[] = [];
  const render = (async (container: HTMLElement, spec: TopLevelSpec) => {
    specs.push({ container, spec });
    container.dataset.recorded = 'true';
  }) as ChartRenderer & { specs: typeof specs };
  render.specs = specs;
  return render;
}
