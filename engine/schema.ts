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

const OPTIONS = { allErrors: true, useDefaults: true, addUsedSchema: false } as const;

/** One ajv instance per mode, made when first needed, and its validators by schema object. */
function compiler(strict: boolean): (schema: object) => ValidateFunction {
  let ajv: Ajv | undefined;
  const compiled = new WeakMap<object, ValidateFunction>();
  return (schema) => {
    let v = compiled.get(schema);
    if (!v) {
      ajv ??= new Ajv({ ...OPTIONS, strict });
      v = ajv.compile(schema);
      compiled.set(schema, v);
    }
    return v;
  };
}

/** A validator for `schema` (cached by the schema object): all errors, defaults filled in. */
export const validatorFor = compiler(false);

/**
 * The same, in ajv's strict mode (unknown keywords, ignored `default`s... are errors): how the
 * options schemas of plugin rules are checked when they load.
 */
export const strictValidatorFor = compiler(true);

/** ajv's own `errorsText` wording (the instances are private here): `data/path message, ...`. */
export function errorsText(errors: ErrorObject[] | null | undefined): string {
  if (!errors?.length) return 'No errors';
  return errors.map((e) => `data${e.instancePath} ${e.message}`).join(', ');
}
