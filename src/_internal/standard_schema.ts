/**
 * The Standard Schema interface (standardschema.dev), declared here from its published
 * specification so that zod, valibot, arktype and others plug in without a dependency.
 */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  /** The standard properties. */
  readonly "~standard": StandardSchemaProps<Input, Output>;
}

/** The properties under `~standard`. */
export interface StandardSchemaProps<Input = unknown, Output = Input> {
  /** Version of the specification (1). */
  readonly version: 1;
  /** Name of the library. */
  readonly vendor: string;
  /** Validates a value. */
  readonly validate: (
    value: unknown,
  ) => StandardSchemaResult<Output> | Promise<StandardSchemaResult<Output>>;
  /** Inferred types (type-level only). */
  readonly types?: { readonly input: Input; readonly output: Output } | undefined;
}

/** Outcome of a validation. */
export type StandardSchemaResult<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | { readonly issues: ReadonlyArray<StandardSchemaIssue> };

/** One validation problem. */
export interface StandardSchemaIssue {
  /** What is wrong. */
  readonly message: string;
  /** Where, as keys (or `{ key }` segments). */
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined;
}

/** The output type of a schema. */
export type InferOutput<Schema extends StandardSchemaV1> = NonNullable<
  Schema["~standard"]["types"]
>["output"];
