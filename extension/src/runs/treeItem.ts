import * as vscode from 'vscode';
import type { Row } from './rows';

/** Turns a computed `Row` into the `TreeItem` VS Code renders. */
export function toTreeItem(row: Row, expanded = false): vscode.TreeItem {
  const item = new vscode.TreeItem(
    row.label,
    row.collapsible ? (expanded ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed) : vscode.TreeItemCollapsibleState.None,
  );
  item.id = row.id;
  item.description = row.description;
  if (row.tooltip) item.tooltip = new vscode.MarkdownString(row.tooltip);
  item.iconPath = new vscode.ThemeIcon(row.icon.id, row.icon.color ? new vscode.ThemeColor(row.icon.color) : undefined);
  item.contextValue = row.contextValue;
  item.accessibilityInformation = { label: row.ariaLabel };
  return item;
}
