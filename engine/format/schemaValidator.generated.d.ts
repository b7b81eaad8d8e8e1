// The type of schemaValidator.generated.js (ajv's standalone code for the schema in schema.ts).
import type { ValidateFunction } from 'ajv';

declare const validate: ValidateFunction;
export default validate;
