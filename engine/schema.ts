/**
 * One ajv instance for the process, and each schema compiled once.
 *
 * faultline.yaml, policies and rule options are validated on every run, and a pre-commit hook runs
 * faultline on every commit. A fresh `Ajv` compiles the JSON Schema meta-schema before anything
 * else, and compiling the same rule schema twice (once to check the catalog, once to apply the
 * user's options) doubled the rest: together 0.18 s of start-up. Sharing the instance, caching
 * compiled validators by schema object, and not re-checking the built-in catalog at run time
 * (the catalog test does that in CI; see rule-config.ts) leaves the schemas a run actually needs.
 *
 * `useDefaults` fills `default`s from rule option schemas; faultline's own config and policy
 * schemas declare none, so it changes nothing there. `addUsedSchema: false` keeps compiled schemas
 * out of the instance's `$id` registry, so two schemas (two plugins, two copies of a schema object)
 * that happen to share an `$id` cannot collide in the shared instance.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';

export type { ErrorObject, ValidateFunction };

let lenient: Ajv | undefined;
let strict: Ajv | undefined;
const compiled = new WeakMap<object, ValidateFunction>();
const compiledStrict = new WeakMap<object, ValidateFunction>();

/** A validator for `schema` (cached by the schema object): all errors, defaults filled in. */
export function validatorFor(schema: object): ValidateFunction {
  let v = compiled.get(schema);
  if (!v) {
    lenient ??= new Ajv({ allErrors: true, strict: false, useDefaults: true, addUsedSchema: false });
    v = lenient.compile(schema);
    compiled.set(schema, v);
  }
  return v;
}

/**
 * The same, in ajv's strict mode (unknown keywords, ignored `default`s... are errors): how the
 * options schemas of plugin rules are checked when they load.
 */
export function strictValidatorFor(schema: object): ValidateFunction {
  let v = compiledStrict.get(schema);
  if (!v) {
    strict ??= new Ajv({ allErrors: true, strict: true, useDefaults: true, addUsedSchema: false });
    v = strict.compile(schema);
    compiledStrict.set(schema, v);
  }
  return v;
}

export function errorsText(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? []).map((e) => `${e.instancePath || 'data'} ${e.message ?? e.keyword}`).join(', ');
}
