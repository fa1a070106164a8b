import { describe, expect, it } from 'vitest';
import { Ajv } from 'ajv';
import { errorsText, strictValidatorFor, validatorFor } from '../../engine/schema.js';

describe('shared schema validators', () => {
  const schema = () => ({ $id: 'https://example.test/opts.json', type: 'object', properties: { n: { type: 'integer', default: 3 } }, additionalProperties: false });

  it('compiles each schema object once and fills defaults', () => {
    const s = schema();
    expect(validatorFor(s)).toBe(validatorFor(s));
    const data: Record<string, unknown> = {};
    expect(validatorFor(s)(data)).toBe(true);
    expect(data).toEqual({ n: 3 });
    expect(validatorFor(s)({ n: 'x' })).toBe(false);
  });

  it('lets two schema objects that share an $id (two plugins, two loads) compile side by side', () => {
    expect(() => {
      validatorFor(schema());
      validatorFor(schema());
      strictValidatorFor(schema());
      strictValidatorFor(schema());
    }).not.toThrow();
  });

  it('words errors as ajv itself does (the catalog check kept its messages)', () => {
    const s = { type: 'object', properties: { n: { type: 'integer' } }, required: ['m'] };
    const ours = validatorFor(s);
    ours({ n: 'x' });
    const ajv = new Ajv({ allErrors: true });
    const theirs = ajv.compile(s);
    theirs({ n: 'x' });
    expect(errorsText(ours.errors)).toBe(ajv.errorsText(theirs.errors));
    expect(errorsText([])).toBe(ajv.errorsText([]));
  });

  it('strict mode rejects what lenient mode lets through', () => {
    const odd = { type: 'object', properties: { n: { type: 'integer' } }, unknownKeyword: true };
    expect(() => validatorFor(odd)).not.toThrow();
    expect(() => strictValidatorFor(odd)).toThrow(/unknown keyword/);
  });
});
