import type { StepKind } from './stepKind';
import { sqlStep } from './sqlStep';
import { scriptStep } from './scriptStep';
import { registerModelStep } from './registerModelStep';
import { automlStep } from './automlStep';
import { scoreStep } from './score';

/**
 * The step kinds Weir knows. The pipeline schema, validation, the language server and the
 * scheduler all read kinds from here, so a new kind is one file plus one `registerStepKind`
 * call (the AutoML part adds `automl` and `score` this way).
 */
const kinds = new Map<string, StepKind<unknown>>();

/** Adds a kind; a second kind with the same key is a programming error. */
export function registerStepKind<Config>(kind: StepKind<Config>): void {
  if (kinds.has(kind.kind)) throw new Error(`step kind '${kind.kind}' is registered twice`);
  kinds.set(kind.kind, kind as unknown as StepKind<unknown>);
}

export function getStepKind(name: string): StepKind<unknown> | undefined {
  return kinds.get(name);
}

/** Registered kinds in registration order (built-ins first). */
export function allStepKinds(): StepKind<unknown>[] {
  return [...kinds.values()];
}

// Kind modules export their kind object and do not register themselves: registering here
// keeps the import graph acyclic. To add a kind, import it above and
// register it below.
registerStepKind(sqlStep);
registerStepKind(scriptStep);
registerStepKind(registerModelStep);
registerStepKind(automlStep);
registerStepKind(scoreStep);
