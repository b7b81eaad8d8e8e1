// The JSON Schema of one test (one YAML document) in a `.atm.yaml` file: the one definition of the
// format. ajv validates with it, the language server takes completion and hover text from its
// `description` / `markdownDescription` / `default` / `examples`, and `schemas/atm.schema.json` is
// a generated copy for other YAML tools (test/format/schema-file.test.ts fails when it drifts).
//
// Cross-field rules (`url` xor `endpoints`, `total_requests` xor `duration_seconds`, ...) live in
// semantic.ts rather than in oneOf/anyOf, so users get one clear sentence instead of a cascade.

export type JsonSchema = { [key: string]: unknown };

interface Doc {
  description: string;
  markdownDescription?: string;
  default?: unknown;
  examples: unknown[];
}

/** Field docs: `markdownDescription` falls back to `description`. */
function doc(d: Doc): JsonSchema {
  const out: JsonSchema = {
    description: d.description,
    markdownDescription: d.markdownDescription ?? d.description,
  };
  if (d.default !== undefined) out.default = d.default;
  out.examples = d.examples;
  return out;
}

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;
export const DISTRIBUTION_STRATEGIES = ['round_robin', 'weighted', 'sequential'] as const;
export const AUTH_TYPES = ['bearer', 'api_key', 'basic'] as const;
export const DATA_ORDERS = ['sequential', 'random'] as const;
/** Where a captured value comes from (the first word of a capture source). */
export const CAPTURE_SOURCES = ['json', 'header', 'regex', 'status'] as const;
/** What a check looks at (the first word of a check). */
export const CHECK_SUBJECTS = ['status', 'json', 'header', 'body', 'latency'] as const;
export const CHECK_OPERATORS = ['==', '!=', '<', '<=', '>', '>=', 'contains', 'matches'] as const;

/**
 * The largest value of each load-shape number. Beyond them a value is a typo, not a test: a
 * billion connections or a run of years would only exhaust the machine. `note` says the limit in
 * words for the error message.
 */
export const LOAD_LIMITS = {
  concurrency: { max: 100_000, note: '100,000 connections' },
  total_requests: { max: 1_000_000_000, note: '1,000,000,000 requests' },
  duration_seconds: { max: 604_800, note: '604,800 s, 7 days' },
  requests_per_second: { max: 1_000_000, note: '1,000,000 requests per second' },
  ramp_up_seconds: { max: 604_800, note: '604,800 s, 7 days' },
  timeout_seconds: { max: 3_600, note: '3,600 s, 1 hour' },
  follow_redirects: { max: 20, note: '20 redirects' },
} as const;

export type LimitedField = keyof typeof LOAD_LIMITS;

const TEMPLATE_NOTE =
  'Templates: `{{name}}` (a variable), `{{env:NAME}}` (an environment variable, then `env_file`), ' +
  '`{{$uuid}}`, `{{$randomInt MIN MAX}}`, `{{$timestamp}}`, `{{$isoTimestamp}}`, `{{$requestIndex}}`.';

const urlSchema = (where: string): JsonSchema => ({
  type: 'string',
  minLength: 1,
  ...doc({
    description: `The URL ${where}. Absolute (http://host/path) or relative to base_url (/path). May contain templates.`,
    markdownDescription:
      `The URL ${where}: absolute (\`http://host:3000/items\`) or relative to \`base_url\` (\`/items?limit={{page_size}}\`); ` +
      `a relative URL keeps the path of \`base_url\` (\`http://h/api\` + \`/items\` = \`http://h/api/items\`).\n\n${TEMPLATE_NOTE}`,
    examples: ['/items', '/items/{{$randomInt 1 100}}', 'http://127.0.0.1:3000/items'],
  }),
});

const methodSchema: JsonSchema = {
  type: 'string',
  enum: [...HTTP_METHODS],
  ...doc({
    description: 'The HTTP method (upper case). Default GET.',
    markdownDescription: 'The HTTP method, upper case: `GET` (default), `POST`, `PUT`, `PATCH`, `DELETE`, `HEAD` or `OPTIONS`.',
    default: 'GET',
    examples: ['GET', 'POST'],
  }),
};

const headersSchema = (where: string): JsonSchema => ({
  type: 'object',
  additionalProperties: {
    type: 'string',
    ...doc({
      description: 'A header value (quote numbers: "2"). May contain templates.',
      markdownDescription: `A header value; quote numbers (\`"2"\`). ${TEMPLATE_NOTE}`,
      examples: ['application/json', 'Bearer {{env:API_TOKEN}}'],
    }),
  },
  ...doc({
    description: `Headers ${where}. Names are case-insensitive; values are strings and may contain templates.`,
    markdownDescription:
      `Headers ${where}, \`Name: value\`. Names are case-insensitive (a later \`accept\` replaces an earlier \`Accept\`). ` +
      'Values of `Authorization`, `Proxy-Authorization`, `Cookie`, `Set-Cookie` and `X-Api-Key` are redacted (`***`) in results and logs.',
    examples: [{ Accept: 'application/json' }, { 'X-Trace': '{{$requestIndex}}' }],
  }),
});

const bodySchema = (where: string): JsonSchema => ({
  type: ['string', 'object', 'array'],
  ...doc({
    description: `The request body ${where}: a string is sent as is; a mapping or sequence is sent as JSON with Content-Type: application/json unless a Content-Type header is set.`,
    markdownDescription:
      `The request body ${where}. A string is sent as is; a mapping or sequence is serialised as JSON and sent with ` +
      `\`Content-Type: application/json\` unless you set a \`Content-Type\` header. Strings inside may contain templates.\n\n${TEMPLATE_NOTE}`,
    examples: [{ name: 'item-{{$uuid}}' }, 'plain text body'],
  }),
});

const expectedStatusSchema = (where: string): JsonSchema => ({
  type: 'array',
  minItems: 1,
  items: {
    type: ['integer', 'string'],
    minimum: 100,
    maximum: 599,
    pattern: '^[1-5][0-9xX]{2}$',
    ...doc({
      description: 'A status code (200) or a class ("2xx").',
      markdownDescription: 'A status code (`200`) or a class (`"2xx"`, `"4xx"`).',
      examples: [200, '2xx'],
    }),
  },
  ...doc({
    description: `The statuses that count as success ${where}. Default: any 2xx. Any other status is an error (unexpected_status).`,
    markdownDescription:
      `The statuses that count as success ${where}: codes (\`200\`) or classes (\`"2xx"\`). Default: any 2xx. ` +
      'Any other status counts as an error of type `unexpected_status`.',
    examples: [[200], [200, 201], ['2xx', 404]],
  }),
});

const followRedirectsSchema = (where: string): JsonSchema => ({
  type: 'integer',
  minimum: 0,
  maximum: LOAD_LIMITS.follow_redirects.max,
  ...doc({
    description:
      `Follow at most this many redirects ${where} (301, 302, 303, 307, 308 with a Location). Default 0: a 3xx is a response like any other. ` +
      'The whole chain is timed as one request and the hops are counted in metrics.redirects. Authorization, Proxy-Authorization, Cookie, X-Api-Key and the auth header are never sent to another origin. At most 20.',
    markdownDescription:
      `Follow at most this many redirects ${where} (\`301\`, \`302\`, \`303\`, \`307\`, \`308\` with a \`Location\`). Default \`0\`: a 3xx is a response like any other, judged by \`expected_status_codes\`. ` +
      'The whole chain is timed as one request; the hops followed are counted in the result\'s `metrics.redirects`. ' +
      'After more than N hops the last 3xx is the response. `303` (and `301`/`302` after a `POST`) continue as `GET` without the body. ' +
      '`Authorization`, `Proxy-Authorization`, `Cookie`, `X-Api-Key` and the `auth` header are never sent to another origin (scheme, host and port). At most `20`.',
    default: 0,
    examples: [0, 5],
  }),
});

const thresholdsSchema = (where: string): JsonSchema => ({
  type: 'array',
  items: {
    type: 'string',
    minLength: 1,
    ...doc({
      description:
        'METRIC OP VALUE[UNIT] or METRIC OP baseline [+|-|* AMOUNT]. METRIC: min mean p50 p75 p90 p95 p99 p99.9 max (latency, ms or s, default ms), error_rate (% or a fraction), rps, dropped, checks (share of passed checks, % or a fraction); flows also take iteration_duration LATENCY_METRIC (e.g. iteration_duration p95 < 2s). OP: < <= > >= ==.',
      markdownDescription:
        '`METRIC OP VALUE[UNIT]`, or `METRIC OP baseline [+|-|* AMOUNT]` against a baseline run.\n\n' +
        '- latency: `min` `mean` `p50` `p75` `p90` `p95` `p99` `p99.9` `max`, in `ms` (default) or `s`\n' +
        '- `error_rate`: a percentage (`1%`) or a fraction (`0.01`)\n' +
        '- `rps`: requests per second\n' +
        '- `dropped`: dropped requests (open model), a count\n' +
        '- `checks`: the share of passed checks, a percentage (`99%`) or a fraction\n' +
        '- flows: `iteration_duration` and a latency metric, over whole iterations (`iteration_duration p95 < 2s`)\n\n' +
        'OP: `<` `<=` `>` `>=` `==`.\n\n' +
        'Baseline: `p95 < baseline + 10%` (10% of the baseline\'s p95), `p99 <= baseline * 1.2`, `p95 < baseline + 20ms`, ' +
        '`rps > baseline - 5%`, `error_rate <= baseline + 0.5%` (half a percentage point). The baseline is `baseline:`, else the run ' +
        'pinned in the editor, else `atm run --baseline FILE`; without one the threshold is reported as `no baseline` and does not fail.',
      examples: ['p95 < 200ms', 'error_rate < 1%', 'rps >= 150', 'checks > 99%', 'iteration_duration p95 < 2s', 'p95 < baseline + 10%'],
    }),
  },
  ...doc({
    description: `Pass/fail conditions ${where}; all must hold for the test to pass.`,
    markdownDescription: `Pass/fail conditions ${where}; all must hold for the test to pass (\`atm run\` exits 1 otherwise).`,
    examples: [['p95 < 200ms', 'error_rate < 1%', 'rps >= 150']],
  }),
});

/**
 * The test's own `thresholds`: the items of thresholdsSchema, or a one-key mapping that puts
 * thresholds on a step or endpoint by name (`- login: p95 < 300ms`), as if written on it.
 */
const testThresholdsSchema = (): JsonSchema => {
  const base = thresholdsSchema('for the whole test');
  const expression = (base.items ?? {}) as JsonSchema;
  const scoped = 'Or `NAME: EXPRESSION` (or `NAME: [EXPRESSION, ...]`): thresholds of the step or endpoint NAME, judged and reported exactly as if written in its own `thresholds`.';
  return {
    ...base,
    items: {
      ...expression,
      type: ['string', 'object'],
      minProperties: 1,
      maxProperties: 1,
      additionalProperties: {
        type: ['string', 'array'],
        minLength: 1,
        minItems: 1,
        items: {
          type: 'string',
          minLength: 1,
          ...doc({
            description: 'A threshold expression for the step or endpoint named by the key, e.g. p95 < 300ms.',
            markdownDescription: 'A threshold expression for the step or endpoint named by the key, e.g. `p95 < 300ms` or `checks > 99%`.',
            examples: ['p95 < 300ms', 'checks > 99%'],
          }),
        },
        ...doc({
          description: 'A threshold expression, or a list of them, for the step or endpoint named by the key.',
          markdownDescription: 'A threshold expression (`p95 < 300ms`), or a list of them (`[p95 < 300ms, checks > 99%]`), for the step or endpoint named by the key.',
          examples: ['p95 < 300ms', ['p95 < 300ms', 'checks > 99%']],
        }),
      },
      ...doc({
        description: `${String(expression.description ?? '')} ${scoped.replace(/`/g, '')}`,
        markdownDescription: `${String(expression.markdownDescription ?? '')}\n\n${scoped}`,
        examples: [...((expression.examples as unknown[] | undefined) ?? []), { login: 'p95 < 300ms' }, { login: ['p95 < 300ms', 'checks > 99%'] }],
      }),
    },
    ...doc({
      description: 'Pass/fail conditions for the whole test; all must hold for the test to pass. An item `NAME: EXPRESSION` puts a threshold on the step or endpoint NAME.',
      markdownDescription:
        'Pass/fail conditions for the whole test; all must hold for the test to pass (`atm run` exits 1 otherwise). ' +
        'With `steps` or `endpoints`, an item `- login: p95 < 300ms` (or `- login: [p95 < 300ms, checks > 99%]`) is a threshold of the step or endpoint `login`, the same as writing it in its own `thresholds`.',
      examples: [['p95 < 200ms', 'error_rate < 1%', 'rps >= 150'], ['error_rate < 1%', { login: 'p95 < 300ms' }, { checkout: ['p99 < 1s', 'checks > 99%'] }]],
    }),
  };
};

const checksSchema = (where: string): JsonSchema => ({
  type: 'array',
  items: {
    type: 'string',
    minLength: 1,
    ...doc({
      description:
        'status OP N | json PATH OP VALUE | json PATH exists | header NAME OP VALUE | body contains TEXT | latency OP DURATION. OP: == != < <= > >= contains matches.',
      markdownDescription:
        'One assertion on the answer:\n\n' +
        '- `status == 200`\n' +
        '- `json $.id exists`, `json $.items[0].price > 10`, `json $.state == "paid"`\n' +
        '- `header content-type contains json`\n' +
        '- `body contains "token"`, `body matches "id\\":\\d+"`\n' +
        '- `latency < 300ms`\n\n' +
        'Operators: `==` `!=` `<` `<=` `>` `>=` `contains` `matches` (a linear-time regular expression). ' +
        'A quoted value is a string, an unquoted number a number; comparing a string with `<` is an error. ' +
        'A failed check makes its request failed with error `check_failed`.',
      examples: ['status == 200', 'json $.access_token exists', 'header content-type contains json', 'body contains "token"', 'latency < 300ms'],
    }),
  },
  ...doc({
    description: `Checks on every answer ${where}; a failed check makes the request failed (check_failed), and each check counts passes and fails.`,
    markdownDescription:
      `Checks on every answer ${where}. A failed check makes the request failed with error \`check_failed\`; ` +
      'the results list each check with its passes and fails, and `checks > 99%` is a threshold on them.',
    examples: [['status == 200', 'json $.id exists']],
  }),
});

const captureSchema: JsonSchema = {
  type: 'object',
  propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
  additionalProperties: {
    type: 'string',
    minLength: 1,
    ...doc({
      description: 'json PATH | header NAME | regex "PATTERN" | status. JSONPath subset: $ .key [\'key\'] [index] [*] (first match).',
      markdownDescription:
        'Where the value comes from:\n\n' +
        '- `json $.access_token`: a JSONPath subset over the JSON body: `$`, `.key`, `[\'key\']`, `[index]`, `[*]` (the first match)\n' +
        '- `header ETag`: a response header (case-insensitive)\n' +
        '- `regex "order/(\\d+)"`: the first group (else the whole match) over the body; linear-time (RE2 syntax)\n' +
        '- `status`: the status code\n\n' +
        'When nothing is found the iteration ends with error `capture_failed`.',
      examples: ['json $.access_token', 'header ETag', 'regex "order/(\\d+)"', 'status'],
    }),
  },
  ...doc({
    description: 'Values taken from this step\'s answer, used as {{NAME}} in the later steps of the same iteration.',
    markdownDescription:
      'Values taken from this step\'s answer, used as `{{NAME}}` in the later steps of the same iteration. ' +
      'A captured value sent in `Authorization`, `Proxy-Authorization`, `Cookie` or `X-Api-Key` is a secret: `***` in everything stored or shown, response bodies included.',
    examples: [{ token: 'json $.access_token', etag: 'header ETag' }],
  }),
};

const thinkTimeSchema: JsonSchema = {
  type: 'string',
  pattern: '^\\s*(\\d+(\\.\\d+)?|\\.\\d+)\\s*(ms|s)\\s*$',
  ...doc({
    description: 'A pause after this step, with a unit: 200ms or 1.5s. Counted in no latency figure (it is in iteration_duration).',
    markdownDescription:
      'A pause after this step, with a unit: `200ms` or `1.5s`. It is in no request latency, but it is in `iteration_duration`.',
    examples: ['200ms', '1s'],
  }),
};

const dataSchema: JsonSchema = {
  type: 'object',
  required: ['file'],
  additionalProperties: false,
  properties: {
    file: {
      type: 'string',
      minLength: 1,
      ...doc({
        description: 'A CSV file with a header row, relative to the spec. Quoted fields, embedded commas and newlines and a BOM are read as CSV defines them.',
        markdownDescription:
          'A CSV file with a header row, read relative to the spec. Quoted fields (`"a, b"`), embedded commas and newlines and a UTF-8 BOM are read as CSV defines them; columns are `{{data.COLUMN}}`.',
        examples: ['users.csv'],
      }),
    },
    order: {
      type: 'string',
      enum: [...DATA_ORDERS],
      ...doc({
        description: 'sequential (default: row 1, 2, ... wrapping around) or random (a row at random for each iteration).',
        markdownDescription: '`sequential` (default): each iteration takes the next row, wrapping around; `random`: a row at random for each iteration.',
        default: 'sequential',
        examples: ['sequential', 'random'],
      }),
    },
  },
  ...doc({
    description: 'A CSV feeder: each iteration takes one row; its columns are {{data.COLUMN}}.',
    markdownDescription: 'A CSV feeder for a flow (`steps`): each iteration takes one row; its columns are `{{data.COLUMN}}` in any step.',
    examples: [{ file: 'users.csv', order: 'sequential' }],
  }),
};

const stringField = (description: string, markdownDescription: string, examples: unknown[], extra: JsonSchema = {}): JsonSchema => ({
  type: 'string',
  minLength: 1,
  ...extra,
  ...doc({ description, markdownDescription, examples }),
});

const authSchema: JsonSchema = {
  type: 'object',
  required: ['type'],
  additionalProperties: false,
  properties: {
    type: {
      type: 'string',
      enum: [...AUTH_TYPES],
      ...doc({
        description: 'How requests authenticate: bearer (Authorization: Bearer TOKEN), api_key (a header or query parameter), basic (Authorization: Basic base64(username:password)).',
        markdownDescription:
          'How every request authenticates:\n\n' +
          '- `bearer`: `Authorization: Bearer <token>`\n' +
          '- `api_key`: `<header>: <key>` (default header `X-API-Key`), or `?<name>=<key>` with `in: query`\n' +
          '- `basic`: `Authorization: Basic base64(username:password)`',
        examples: ['bearer', 'api_key', 'basic'],
      }),
    },
    token: stringField(
      'The bearer token (type: bearer). Use a template such as {{env:API_TOKEN}} rather than a literal.',
      'The bearer token, sent as `Authorization: Bearer <token>` (`type: bearer`). Prefer `{{env:API_TOKEN}}` to a literal; the value is redacted in results and logs.',
      ['{{env:API_TOKEN}}'],
    ),
    key: stringField(
      'The API key (type: api_key). Use a template such as {{env:API_KEY}} rather than a literal.',
      'The API key (`type: api_key`). Prefer `{{env:API_KEY}}` to a literal; the value is redacted in results and logs.',
      ['{{env:API_KEY}}'],
    ),
    in: {
      type: 'string',
      enum: ['header', 'query'],
      ...doc({
        description: 'Where the API key goes (type: api_key): header (default) or query.',
        markdownDescription: 'Where the API key goes (`type: api_key`): `header` (default; see `header`) or `query` (see `name`).',
        default: 'header',
        examples: ['header', 'query'],
      }),
    },
    header: stringField(
      'The header that carries the API key when in: header (type: api_key). Default X-API-Key.',
      'The header that carries the API key when `in: header` (`type: api_key`). Default `X-API-Key`.',
      ['X-API-Key', 'Api-Key'],
      { default: 'X-API-Key' },
    ),
    name: stringField(
      'The query parameter that carries the API key when in: query (type: api_key). Default api_key.',
      'The query parameter that carries the API key when `in: query` (`type: api_key`). Default `api_key`.',
      ['api_key', 'key'],
      { default: 'api_key' },
    ),
    username: stringField(
      'The user name (type: basic).',
      'The user name for `Authorization: Basic` (`type: basic`).',
      ['demo', '{{env:API_USER}}'],
    ),
    password: stringField(
      'The password (type: basic). Use a template such as {{env:API_PASSWORD}} rather than a literal.',
      'The password for `Authorization: Basic` (`type: basic`). Prefer `{{env:API_PASSWORD}}` to a literal; the value and the encoded header are redacted in results and logs.',
      ['{{env:API_PASSWORD}}'],
    ),
  },
  // Each type requires its own fields and rejects the others' (reported as "does not apply").
  allOf: [
    {
      if: { required: ['type'], properties: { type: { const: 'bearer' } } },
      then: { required: ['token'], properties: { key: false, in: false, header: false, name: false, username: false, password: false } },
    },
    {
      if: { required: ['type'], properties: { type: { const: 'api_key' } } },
      then: { required: ['key'], properties: { token: false, username: false, password: false } },
    },
    {
      if: { required: ['type'], properties: { type: { const: 'basic' } } },
      then: { required: ['username', 'password'], properties: { token: false, key: false, in: false, header: false, name: false } },
    },
  ],
  ...doc({
    description: 'Authentication applied to every request: type bearer (token), api_key (key, in, header, name) or basic (username, password).',
    markdownDescription:
      'Authentication applied to every request.\n\n' +
      '```yaml\nauth:\n  type: bearer\n  token: "{{env:API_TOKEN}}"\n```\n' +
      '`type: api_key` takes `key`, and `in: header` (default, header `X-API-Key`) or `in: query` (parameter `api_key`); ' +
      '`type: basic` takes `username` and `password`. An endpoint header of the same name wins over the auth header.',
    examples: [{ type: 'bearer', token: '{{env:API_TOKEN}}' }, { type: 'api_key', key: '{{env:API_KEY}}', header: 'X-API-Key' }],
  }),
};

const endpointSchema: JsonSchema = {
  type: 'object',
  required: ['name', 'url'],
  additionalProperties: false,
  properties: {
    name: stringField(
      'The endpoint name, unique within the test; results are reported per endpoint under it.',
      'The endpoint name, unique within the test; results and per-endpoint thresholds are reported under it.',
      ['list', 'create'],
    ),
    url: urlSchema('of this endpoint'),
    method: methodSchema,
    headers: headersSchema('for this endpoint (merged over the test headers)'),
    body: bodySchema('of this endpoint'),
    expected_status_codes: expectedStatusSchema('for this endpoint'),
    follow_redirects: followRedirectsSchema('for this endpoint (default: the test\'s `follow_redirects`)'),
    weight: {
      type: 'number',
      exclusiveMinimum: 0,
      ...doc({
        description: 'The relative share of requests with distribution_strategy: weighted (default 1).',
        markdownDescription:
          'The relative share of requests with `distribution_strategy: weighted`: an endpoint with weight 3 gets three times the requests of one with weight 1. Default `1`; must be greater than 0.',
        default: 1,
        examples: [1, 3],
      }),
    },
    thresholds: thresholdsSchema('for this endpoint alone'),
    checks: checksSchema('of this endpoint'),
  },
  ...doc({
    description: 'One endpoint of the mix: name and url required; method, headers, body, expected_status_codes, weight, thresholds optional.',
    markdownDescription: 'One endpoint of the mix: `name` and `url` are required; `method`, `headers`, `body`, `expected_status_codes`, `weight` and `thresholds` are optional.',
    examples: [{ name: 'list', url: '/items', weight: 3 }],
  }),
};

const stepSchema: JsonSchema = {
  type: 'object',
  required: ['name', 'url'],
  additionalProperties: false,
  properties: {
    name: stringField(
      'The step name, unique within the test; results, checks and per-step thresholds are reported under it.',
      'The step name, unique within the test; results, checks and per-step thresholds are reported under it.',
      ['login', 'create order'],
    ),
    url: urlSchema('of this step'),
    method: methodSchema,
    headers: headersSchema('for this step (merged over the test headers)'),
    body: bodySchema('of this step'),
    expected_status_codes: expectedStatusSchema('for this step'),
    thresholds: thresholdsSchema('for this step alone'),
    capture: captureSchema,
    checks: checksSchema('of this step'),
    think_time: thinkTimeSchema,
  },
  ...doc({
    description: 'One step of the flow: name and url required; method, headers, body, expected_status_codes, capture, checks, think_time, thresholds optional.',
    markdownDescription:
      'One step of the flow: `name` and `url` are required; `method`, `headers`, `body`, `expected_status_codes`, `capture`, `checks`, `think_time` and `thresholds` are optional. ' +
      'A failed request or a capture that finds nothing ends the iteration; its remaining steps count as `skipped_steps`.',
    examples: [{ name: 'login', method: 'POST', url: '/login', capture: { token: 'json $.access_token' }, checks: ['status == 200'] }],
  }),
};

export const atmSchema: JsonSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://api-test-machine.dev/schemas/atm.schema.json',
  title: 'API Test Machine test',
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  properties: {
    name: stringField(
      'The test name, unique within the file. Shown in results and used by `atm run --test NAME`.',
      'The test name, unique within the file. Shown in results and selected with `atm run FILE --test NAME`.',
      ['Items API under load'],
    ),
    description: {
      type: 'string',
      ...doc({
        description: 'A free-text description of the test.',
        markdownDescription: 'A free-text description of the test, shown beside its results.',
        examples: ['Browse-heavy traffic'],
      }),
    },
    base_url: stringField(
      'The base URL relative endpoint URLs resolve against; its path is kept (http://h/api + /items = http://h/api/items). `atm run --demo` replaces it with the demo target.',
      'The base URL relative URLs resolve against. Its path is kept: `http://h/api` + `/items` = `http://h/api/items`. ' +
        '`atm run --demo` replaces it with the built-in demo target. May contain `{{env:NAME}}`.',
      ['http://127.0.0.1:3000', '{{env:BASE_URL}}'],
    ),
    env_file: stringField(
      'A dotenv file read relative to the spec for {{env:NAME}}; the process environment wins over it. Default: .env beside the spec, if present.',
      'A dotenv file (`NAME=value` lines, `#` comments, quotes, `export ` prefixes) read relative to the spec for `{{env:NAME}}`. ' +
        'The process environment wins over it. Default: `.env` beside the spec, if present. ' +
        'Every `{{env:NAME}}` value of 3 characters or more is redacted (`***`) in results, samples and logs.',
      ['.env', '.env.staging'],
      { default: '.env' },
    ),
    variables: {
      type: 'object',
      additionalProperties: {
        type: ['string', 'number', 'boolean'],
        ...doc({
          description: 'A variable value: a string (may use {{env:NAME}}, other variables and built-ins), a number or a boolean.',
          markdownDescription: `A variable value: a string, a number or a boolean. Strings may use \`{{env:NAME}}\`, other variables and built-ins. ${TEMPLATE_NOTE}`,
          examples: [20, '{{env:API_TOKEN}}'],
        }),
      },
      ...doc({
        description: 'Named values used as {{name}} in URLs, headers, bodies and auth.',
        markdownDescription: 'Named values used as `{{name}}` in URLs, headers, bodies and auth. A variable may use `{{env:NAME}}` and other variables (no cycles).',
        examples: [{ page_size: 20, token: '{{env:API_TOKEN}}' }],
      }),
    },
    auth: authSchema,
    headers: headersSchema('sent with every request'),
    url: urlSchema('of the single request (use either `url` or `endpoints`)'),
    method: methodSchema,
    body: bodySchema('of the single request'),
    expected_status_codes: expectedStatusSchema('for the single request (with `endpoints`, the default of every endpoint)'),
    endpoints: {
      type: 'array',
      minItems: 1,
      items: endpointSchema,
      ...doc({
        description: 'Several endpoints hit in one test (instead of url). Each needs a unique name and a url.',
        markdownDescription:
          'Several endpoints hit in one test, instead of `url`. Each needs a unique `name` and a `url`; how requests are shared among them is `distribution_strategy`.',
        examples: [[{ name: 'list', url: '/items', weight: 3 }, { name: 'create', method: 'POST', url: '/items', body: { name: 'item-{{$uuid}}' } }]],
      }),
    },
    steps: {
      type: 'array',
      minItems: 1,
      items: stepSchema,
      ...doc({
        description: 'A flow (instead of url or endpoints): each iteration of a virtual user runs the steps in order, with values captured from earlier answers.',
        markdownDescription:
          'A flow, instead of `url` or `endpoints`: each iteration of a virtual user runs the steps in order; `capture` takes values from an answer ' +
          'for the later steps of the same iteration (`{{token}}`). The load is `iterations` (or `duration_seconds`), `concurrency` virtual users, ' +
          'or `iterations_per_second` for the open model.',
        examples: [[{ name: 'login', method: 'POST', url: '/login', capture: { token: 'json $.access_token' } }, { name: 'orders', url: '/orders', headers: { Authorization: 'Bearer {{token}}' } }]],
      }),
    },
    data: dataSchema,
    iterations: {
      type: 'integer',
      minimum: 1,
      ...doc({
        description: 'Flows: stop after this many iterations (not with duration_seconds). Default 10.',
        markdownDescription: 'Flows (`steps`): stop after this many iterations, each running every step once. Use either `iterations` or `duration_seconds`; default `10`.',
        default: 10,
        examples: [10, 1000],
      }),
    },
    iterations_per_second: {
      type: 'number',
      exclusiveMinimum: 0,
      ...doc({
        description: 'Flows: the open model, a fixed rate of iteration arrivals. An arrival due while concurrency iterations are in flight is dropped.',
        markdownDescription:
          'Flows (`steps`): the open model. Iteration *i* is due at `t0 + i/rate`; the first step\'s latency is measured from the due time. ' +
          'An arrival due while `concurrency` iterations are in flight is dropped (`iterations.dropped`). Without it, `concurrency` virtual users loop (closed model).',
        examples: [5, 20],
      }),
    },
    checks: checksSchema('of the single request (`url`)'),
    distribution_strategy: {
      type: 'string',
      enum: [...DISTRIBUTION_STRATEGIES],
      ...doc({
        description: 'How requests are shared among endpoints: round_robin (default, A B C A B C), weighted (at random by weight), sequential (all of A, then B, ...).',
        markdownDescription:
          'How requests are shared among `endpoints`:\n\n' +
          '- `round_robin` (default): A B C A B C ...\n' +
          '- `weighted`: at random, in proportion to each `weight`\n' +
          '- `sequential`: the whole share of A, then of B, ... (`total_requests` split evenly; with `duration_seconds`, the time is)',
        default: 'round_robin',
        examples: ['round_robin', 'weighted', 'sequential'],
      }),
    },
    concurrency: {
      type: 'integer',
      minimum: 1,
      maximum: LOAD_LIMITS.concurrency.max,
      ...doc({
        description: 'Connections, and the most requests in flight at once. Default 10, at most 100,000; never more than total_requests are opened.',
        markdownDescription:
          'Connections, and the most requests in flight at once. Default `10`, at most `100000`; a run never opens more connections than `total_requests`. In the closed model each connection sends its next request when the last finishes; ' +
          'in the open model a request due while `concurrency` are in flight is dropped (`dropped_requests`). ' +
          'With `steps`, the number of virtual users (closed model) or the most iterations in flight (`iterations_per_second`).',
        default: 10,
        examples: [10, 50],
      }),
    },
    total_requests: {
      type: 'integer',
      minimum: 1,
      maximum: LOAD_LIMITS.total_requests.max,
      ...doc({
        description: 'Stop after this many requests (not with duration_seconds). Default 100 when neither is set; at most 1,000,000,000.',
        markdownDescription: 'Stop after this many requests. Use either `total_requests` or `duration_seconds`, not both; default `100` when neither is set, at most `1000000000`.',
        default: 100,
        examples: [100, 1000],
      }),
    },
    duration_seconds: {
      type: 'number',
      exclusiveMinimum: 0,
      maximum: LOAD_LIMITS.duration_seconds.max,
      ...doc({
        description: 'Stop after this many seconds (not with total_requests); at most 604,800 (7 days).',
        markdownDescription: 'Stop after this many seconds, at most `604800` (7 days). Use either `duration_seconds` or `total_requests`, not both.',
        examples: [30, 60],
      }),
    },
    requests_per_second: {
      type: 'number',
      exclusiveMinimum: 0,
      maximum: LOAD_LIMITS.requests_per_second.max,
      ...doc({
        description: 'Open model: a fixed arrival rate in requests per second, at most 1,000,000. Without it the test uses the closed model.',
        markdownDescription:
          'Open model: request *i* is due at `t0 + i/rate`, whatever the server does, and latency is measured from the due time ' +
          '(no coordinated omission). At most `1000000`. Without it, the closed model: `concurrency` loops send as fast as responses return.',
        examples: [50, 200],
      }),
    },
    ramp_up_seconds: {
      type: 'number',
      minimum: 0,
      maximum: LOAD_LIMITS.ramp_up_seconds.max,
      ...doc({
        description: 'Seconds over which the rate (open model) or the active connections (closed model) rise linearly from 0. Default 0, at most 604,800 (7 days). Must be shorter than duration_seconds.',
        markdownDescription:
          'Seconds over which the rate (open model) or the active connections (closed model) rise linearly from 0. Default `0`, at most `604800` (7 days); shorter than `duration_seconds` when that is set.',
        default: 0,
        examples: [5, 10],
      }),
    },
    timeout_seconds: {
      type: 'number',
      exclusiveMinimum: 0,
      maximum: LOAD_LIMITS.timeout_seconds.max,
      ...doc({
        description: 'Per-request timeout in seconds, from connect to the last byte. Default 30, at most 3,600 (1 hour).',
        markdownDescription: 'Per-request timeout in seconds, from connect to the last byte (waiting for a connection included). Default `30`, at most `3600` (1 hour). A request that takes longer counts as an error of type `timeout`.',
        default: 30,
        examples: [10, 2.5],
      }),
    },
    workers: {
      type: ['integer', 'string'],
      minimum: 1,
      maximum: 256,
      pattern: '^auto$',
      ...doc({
        description:
          'Threads of the engine that share the load: auto (default) or a number. auto uses the cores but one, and only as many as keep at least 25 connections (closed model) or 2000 req/s (open model) each.',
        markdownDescription:
          'Threads of the engine that share the load: `auto` (default) or a number from 1. `auto` uses one per available core minus one, ' +
          'and only as many as keep at least 25 connections (closed model) or 2,000 req/s (open model) each, so small runs stay on one thread. ' +
          '`concurrency` is split among them; in the open model arrival *i* goes to thread *i mod N* at its own due time. ' +
          'A flow splits its virtual users and `iterations` the same way (iteration *i*, with its sequential CSV row, on thread *i mod N*); for `auto` its rate counts as `iterations_per_second` × steps. ' +
          'Each thread measures on its own and the histograms are added exactly. `atm run --workers N` overrides it.',
        default: 'auto',
        examples: ['auto', 2, 4],
      }),
    },
    insecure_tls: {
      type: 'boolean',
      ...doc({
        description: 'Skip TLS certificate checks (self-signed test servers). Default false; shown in results when true.',
        markdownDescription: 'Skip TLS certificate checks, for self-signed test servers. Default `false`; results say so when `true`.',
        default: false,
        examples: [false, true],
      }),
    },
    follow_redirects: followRedirectsSchema('for every request of the test (an endpoint may set its own)'),
    thresholds: testThresholdsSchema(),
    baseline: stringField(
      'A result JSON (from atm run --json, or exported from the run history), relative to the spec: the baseline that thresholds such as `p95 < baseline + 10%` compare with. Wins over the run pinned in the editor and over atm run --baseline.',
      'A result JSON (`atm run --json`, or **Export Result as JSON…** in the run history), relative to the spec: the baseline that ' +
        'thresholds such as `p95 < baseline + 10%` compare with, per endpoint by name. Wins over the run pinned as baseline in the editor ' +
        'and over `atm run --baseline FILE`. A file that is not a result of this test (or cannot be read) is reported, and the run still happens without a baseline.',
      ['baselines/items.json', '../results/last-release.json'],
    ),
  },
  ...doc({
    description: 'One load test. A file holds one or more, separated by ---.',
    markdownDescription: 'One load test: `name`, then either `url` or `endpoints`, the load shape and `thresholds`. A file holds one or more tests separated by `---`.',
    examples: [{ name: 'Items API', base_url: 'http://127.0.0.1:3000', url: '/items', total_requests: 100 }],
  }),
};

/** The text of `schemas/atm.schema.json` (the generated copy for other YAML tools). */
export function schemaJsonText(): string {
  return `${JSON.stringify(atmSchema, null, 2)}\n`;
}
