import * as vscode from 'vscode';
import type { RunSummary, StepRunRecord } from '../../../engine/src/protocol';
import { experimentRow, runRow, runsPageSize, runTooltip, stepRow, trialRow } from './rows';
import type { RunsModel } from './runsModel';
import { toTreeItem } from './treeItem';
import { CommandIds } from '../commands/ids';

export type ExperimentNode = { type: 'experiment'; name: string };
export type RunNode = { type: 'run'; runId: string; experiment: string };
export type StepNode = { type: 'step'; runId: string; step: string; kind: string };
/** A trial under a step run; `source` is where its records live (the original run for a reused step). */
export type TrialNode = { type: 'trial'; runId: string; step: string; iteration: number; source: { runId: string; step: string } };
/** The last row of an experiment with more runs than loaded: "Show older runs". */
export type MoreRunsNode = { type: 'more'; experiment: string };
export type RunsTreeNode = ExperimentNode | RunNode | StepNode | TrialNode | MoreRunsNode;

/**
 * Experiments › Runs › Step runs › Trials. Nodes are kept per id so that VS Code can refresh
 * one node when the model says that run changed, instead of the whole tree.
 */
export class ExperimentsTree implements vscode.TreeDataProvider<RunsTreeNode>, vscode.Disposable {
  private readonly nodes = new Map<string, RunsTreeNode>();
  private readonly changeEmitter = new vscode.EventEmitter<RunsTreeNode | undefined>();
  private readonly subscription: vscode.Disposable;
  readonly onDidChangeTreeData = this.changeEmitter.event;

  constructor(private readonly model: RunsModel) {
    this.subscription = model.onDidChange((change) => {
      if (change.type === 'experiments') this.changeEmitter.fire(undefined);
      else if (change.type === 'experiment') this.fireIfKnown(`experiment:${change.name}`);
      else this.fireIfKnown(`run:${change.runId}`);
    });
  }

  async getChildren(node?: RunsTreeNode): Promise<RunsTreeNode[]> {
    if (!node) {
      const experiments = await this.model.getExperiments();
      return experiments.map((e) => this.node(`experiment:${e.name}`, { type: 'experiment', name: e.name }));
    }
    switch (node.type) {
      case 'experiment': {
        const runs = await this.model.getRuns(node.name);
        const children: RunsTreeNode[] = runs.map((r) => this.node(`run:${r.id}`, { type: 'run', runId: r.id, experiment: r.experiment }));
        if ((await this.model.moreRunsThan(node.name, runs.length)) > 0) children.push(this.node(`more:${node.name}`, { type: 'more', experiment: node.name }));
        return children;
      }
      case 'run': {
        const run = await this.model.getRun(node.runId);
        return run.steps.map((s) => this.node(`step:${run.id}:${s.name}`, { type: 'step', runId: run.id, step: s.name, kind: s.kind }));
      }
      case 'step': {
        // A reused step ran in an earlier run: its trials are that run's.
        const source = (await this.findStep(node)).reusedFrom ?? { runId: node.runId, step: node.step };
        const trials = await this.model.getTrials(source.runId, source.step);
        return trials.map((t) => this.node(`trial:${node.runId}:${node.step}:${t.iteration}`, { type: 'trial', runId: node.runId, step: node.step, iteration: t.iteration, source }));
      }
      case 'trial':
      case 'more':
        return [];
    }
  }

  async getTreeItem(node: RunsTreeNode): Promise<vscode.TreeItem> {
    switch (node.type) {
      case 'experiment': {
        const experiment = (await this.model.getExperiments()).find((e) => e.name === node.name);
        return toTreeItem(experimentRow(experiment ?? { name: node.name, runCount: 0 }));
      }
      case 'run': {
        const run = this.findRun(node, await this.model.getRuns(node.experiment));
        const item = toTreeItem(runRow(run));
        item.command = { command: CommandIds.openRunDetails, title: 'Open Run Details', arguments: [node] };
        return item;
      }
      case 'step': {
        const step = await this.findStep(node);
        return toTreeItem(stepRow(node.runId, step));
      }
      case 'more': {
        const loaded = (await this.model.getRuns(node.experiment)).length;
        const more = await this.model.moreRunsThan(node.experiment, loaded);
        const item = new vscode.TreeItem(`Show ${Math.min(more, runsPageSize)} older runs`, vscode.TreeItemCollapsibleState.None);
        item.id = `more:${node.experiment}`;
        item.description = `${more} more`;
        item.iconPath = new vscode.ThemeIcon('unfold');
        item.contextValue = 'moreRuns';
        item.command = { command: CommandIds.showMoreRuns, title: 'Show Older Runs', arguments: [node.experiment] };
        return item;
      }
      case 'trial': {
        const trials = await this.model.getTrials(node.source.runId, node.source.step);
        const trial = trials.find((t) => t.iteration === node.iteration);
        const run = await this.model.getRun(node.runId);
        const primary = run.steps.find((s) => s.name === node.step)?.metrics;
        return toTreeItem(trialRow(node.runId, node.step, trial ?? { iteration: node.iteration, algorithm: '?', hyperparameters: {}, status: 'Failed', metrics: {}, startedAt: '', durationMs: 0 }, primary ? Object.keys(primary)[0] : undefined));
      }
    }
  }

  /** Run tooltips are built on hover, not for each of thousands of rows. */
  async resolveTreeItem(item: vscode.TreeItem, node: RunsTreeNode): Promise<vscode.TreeItem> {
    if (node.type === 'run' && !item.tooltip) {
      item.tooltip = new vscode.MarkdownString(runTooltip(this.findRun(node, await this.model.getRuns(node.experiment))));
    }
    return item;
  }

  getParent(node: RunsTreeNode): RunsTreeNode | undefined {
    switch (node.type) {
      case 'experiment':
        return undefined;
      case 'run':
        return this.nodes.get(`experiment:${node.experiment}`);
      case 'step': {
        const run = this.nodes.get(`run:${node.runId}`);
        return run;
      }
      case 'trial':
        return this.nodes.get(`step:${node.runId}:${node.step}`);
      case 'more':
        return this.nodes.get(`experiment:${node.experiment}`);
    }
  }

  /** The node for a run id when the tree has shown it (commands reveal it). */
  runNode(runId: string): RunNode | undefined {
    const node = this.nodes.get(`run:${runId}`);
    return node?.type === 'run' ? node : undefined;
  }

  refresh(): void {
    this.changeEmitter.fire(undefined);
  }

  dispose(): void {
    this.subscription.dispose();
    this.changeEmitter.dispose();
  }

  private node<T extends RunsTreeNode>(key: string, fresh: T): T {
    const existing = this.nodes.get(key);
    if (existing) return existing as T;
    this.nodes.set(key, fresh);
    return fresh;
  }

  private fireIfKnown(key: string): void {
    const node = this.nodes.get(key);
    if (node) this.changeEmitter.fire(node);
  }

  private findRun(node: RunNode, runs: RunSummary[]): RunSummary {
    return (
      runs.find((r) => r.id === node.runId) ??
      this.model.cachedRun(node.runId) ?? {
        id: node.runId,
        experiment: node.experiment,
        pipelineName: '',
        pipelineFile: '',
        status: 'Canceled',
        createdAt: new Date(0).toISOString(),
        stepCount: 0,
        errorMessage: 'This run was deleted.',
      }
    );
  }

  private async findStep(node: StepNode): Promise<StepRunRecord> {
    const run = await this.model.getRun(node.runId);
    return run.steps.find((s) => s.name === node.step) ?? { name: node.step, kind: node.kind, status: 'Skipped', outputs: {}, metrics: {} };
  }
}
