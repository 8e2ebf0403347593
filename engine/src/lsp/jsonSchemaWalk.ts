/**
 * Walks the pipeline's generated JSON Schema (`pipelineJsonSchema()`) by YAML path, so key
 * completion and hover docs come from the same `.describe()` texts the schema ships with, for
 * every step kind, including ones added later.
 */
export type JsonSchema = {
  type?: string | string[];
  description?: string;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema | JsonSchema[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
};

/** The alternatives a schema stands for (flattening anyOf/oneOf/allOf). */
export function alternatives(schema: JsonSchema | undefined): JsonSchema[] {
  if (!schema) return [];
  const nested = [...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ...(schema.allOf ?? [])];
  if (nested.length === 0) return [schema];
  const own: JsonSchema = { ...schema, anyOf: undefined, oneOf: undefined, allOf: undefined };
  const flattened = nested.flatMap((s) => alternatives(s));
  // Keep the parent's description on each alternative that has none.
  return flattened.map((s) => (s.description || !own.description ? s : { ...s, description: own.description }));
}

/** Every schema that may describe the value at `path` (several when anyOf branches differ). */
export function schemasAt(root: JsonSchema, path: readonly (string | number)[]): JsonSchema[] {
  let current = alternatives(root);
  for (const segment of path) {
    const next: JsonSchema[] = [];
    for (const schema of current) {
      if (typeof segment === 'number' || Array.isArray(schema.items) || schema.items) {
        const items = schema.items;
        if (items) next.push(...alternatives(Array.isArray(items) ? items[Number(segment)] ?? items[0] : items));
        if (typeof segment === 'number') continue;
      }
      const property = schema.properties?.[segment];
      if (property) next.push(...alternatives(property));
      else if (schema.additionalProperties && typeof schema.additionalProperties === 'object') next.push(...alternatives(schema.additionalProperties));
    }
    current = next;
    if (current.length === 0) break;
  }
  return current;
}

export interface SchemaKey {
  key: string;
  description?: string;
  /** Whether the value is an object (so completion inserts `key:` and a new line). */
  isObject: boolean;
}

/** The known keys of the object(s) at `path`, with their descriptions. */
export function keysAt(root: JsonSchema, path: readonly (string | number)[]): SchemaKey[] {
  const keys = new Map<string, SchemaKey>();
  for (const schema of schemasAt(root, path)) {
    for (const [key, property] of Object.entries(schema.properties ?? {})) {
      if (key === '$schema' || keys.has(key)) continue;
      const alts = alternatives(property);
      keys.set(key, {
        key,
        description: property.description ?? alts.find((a) => a.description)?.description,
        isObject: alts.length > 0 && alts.every((a) => a.type === 'object' || a.properties !== undefined),
      });
    }
  }
  return [...keys.values()];
}

/** The description of the value at `path`, the first one any alternative gives. */
export function descriptionAt(root: JsonSchema, path: readonly (string | number)[]): string | undefined {
  if (path.length === 0) return undefined;
  const parentPath = path.slice(0, -1);
  const last = path[path.length - 1];
  for (const parent of schemasAt(root, parentPath)) {
    const property = typeof last === 'string' ? parent.properties?.[last] : undefined;
    if (property?.description) return property.description;
    const alt = alternatives(property).find((a) => a.description);
    if (alt?.description) return alt.description;
  }
  return schemasAt(root, path).find((s) => s.description)?.description;
}

/** Enumerated values (enum, const, booleans) allowed at `path`. */
export function valuesAt(root: JsonSchema, path: readonly (string | number)[]): unknown[] {
  const values = new Set<unknown>();
  for (const schema of schemasAt(root, path)) {
    for (const value of schema.enum ?? []) values.add(value);
    if (schema.const !== undefined) values.add(schema.const);
    const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
    if (types.length === 1 && types[0] === 'boolean') {
      values.add(true);
      values.add(false);
    }
  }
  return [...values];
}
