import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as oniguruma from 'vscode-oniguruma';
import * as vsctm from 'vscode-textmate';
import { BUILTINS, THRESHOLD_METRICS, atmSchema } from '../../engine/format';

const root = resolve(__dirname, '..', '..');
const grammarPath = join(root, 'syntaxes', 'atm-yaml.tmLanguage.json');
const languageConfigurationPath = join(root, 'language-configuration.json');
const SCOPE = 'source.atm-yaml';

interface Token {
  text: string;
  scopes: string[];
}

let grammar: vsctm.IGrammar;

before(async () => {
  const wasm = readFileSync(join(root, 'node_modules', 'vscode-oniguruma', 'release', 'onig.wasm'));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns: string[]) => new oniguruma.OnigScanner(patterns),
      createOnigString: (text: string) => new oniguruma.OnigString(text),
    }),
    loadGrammar: async (scopeName: string) =>
      scopeName === SCOPE ? vsctm.parseRawGrammar(readFileSync(grammarPath, 'utf8'), grammarPath) : null,
  });
  const loaded = await registry.loadGrammar(SCOPE);
  assert.ok(loaded, 'the grammar loads');
  grammar = loaded;
});

/** Tokenizes lines in order (state carried over) and returns each line's tokens. */
function tokenize(text: string): Token[][] {
  let state = vsctm.INITIAL;
  return text.split('\n').map((line) => {
    const result = grammar.tokenizeLine(line, state);
    state = result.ruleStack;
    return result.tokens.map((t) => ({ text: line.slice(t.startIndex, t.endIndex), scopes: t.scopes }));
  });
}

/** Scopes of the token whose text is exactly `text` on line `line` (the `nth` such token, 0-based). */
function scopesOf(lines: Token[][], line: number, text: string, nth = 0): string[] {
  const found = lines[line]?.filter((t) => t.text === text) ?? [];
  const token = found[nth];
  assert.ok(token, `no token ${JSON.stringify(text)} on line ${line}: ${JSON.stringify(lines[line]?.map((t) => t.text))}`);
  return token.scopes;
}

/** The innermost scope of a token: the one a theme colours it by. */
function innermost(lines: Token[][], line: number, text: string, nth = 0): string {
  const scopes = scopesOf(lines, line, text, nth);
  return scopes[scopes.length - 1] ?? '';
}

function assertHas(scopes: string[], scope: string): void {
  assert.ok(scopes.includes(scope), `expected ${scope} in ${JSON.stringify(scopes)}`);
}

function assertLacks(scopes: string[], prefix: string): void {
  assert.ok(!scopes.some((s) => s.startsWith(prefix)), `expected no ${prefix}* in ${JSON.stringify(scopes)}`);
}

void test('keys, plain values and comments', () => {
  const t = tokenize(['name: Items API under load  # required', '  page_size: 20', 'my key: some value'].join('\n'));
  assert.equal(innermost(t, 0, 'name'), 'entity.name.tag.yaml');
  assertHas(scopesOf(t, 0, 'name'), 'meta.key.known.atm');
  assert.equal(innermost(t, 0, ':'), 'punctuation.separator.key-value.mapping.yaml');
  assert.equal(innermost(t, 0, 'Items API under load'), 'string.unquoted.plain.out.yaml');
  assert.equal(innermost(t, 0, '#'), 'punctuation.definition.comment.yaml');
  assert.equal(innermost(t, 0, ' required'), 'comment.line.number-sign.yaml');
  assert.equal(innermost(t, 1, 'page_size'), 'entity.name.tag.yaml');
  assertLacks(scopesOf(t, 1, 'page_size'), 'meta.key.known');
  assert.equal(innermost(t, 1, '20'), 'constant.numeric.integer.yaml');
  assert.equal(innermost(t, 2, 'my key'), 'entity.name.tag.yaml');
  assert.equal(innermost(t, 2, 'some value'), 'string.unquoted.plain.out.yaml');
});

void test('quoted keys are keys', () => {
  const t = tokenize(`"quoted key": 1\n'single': 2\nbody: { "a": 1, 'b': 2 }`);
  assertHas(scopesOf(t, 0, 'quoted key'), 'entity.name.tag.yaml');
  assert.equal(innermost(t, 0, '"', 0), 'punctuation.definition.string.begin.yaml');
  assertHas(scopesOf(t, 1, 'single'), 'entity.name.tag.yaml');
  assertHas(scopesOf(t, 2, 'a'), 'entity.name.tag.yaml');
  assertHas(scopesOf(t, 2, 'a'), 'string.quoted.double.yaml');
  assert.equal(innermost(t, 2, '"', 0), 'punctuation.definition.string.begin.yaml');
  assertHas(scopesOf(t, 2, 'b'), 'entity.name.tag.yaml');
  assertHas(scopesOf(t, 2, 'b'), 'string.quoted.single.yaml');
});

void test('a # inside a plain scalar is text; after a space it starts a comment', () => {
  const t = tokenize('url: /items#frag #real');
  assert.equal(innermost(t, 0, '/items#frag'), 'string.unquoted.plain.out.yaml');
  assert.equal(innermost(t, 0, 'real'.padStart(4)), 'comment.line.number-sign.yaml');
});

void test('a comment containing {{x}} is not a template', () => {
  const t = tokenize('# uses {{x}} and {{env:TOKEN}}\nkey: value # {{$uuid}}');
  for (const line of t) for (const token of line) assertLacks(token.scopes, 'meta.template');
  assert.equal(innermost(t, 0, ' uses {{x}} and {{env:TOKEN}}'), 'comment.line.number-sign.yaml');
  assert.equal(innermost(t, 1, ' {{$uuid}}'), 'comment.line.number-sign.yaml');
});

void test('{{variable}} in a plain scalar', () => {
  const t = tokenize('url: /items?limit={{page_size}}&sort={{ order }}');
  assert.equal(innermost(t, 0, '/items?limit='), 'string.unquoted.plain.out.yaml');
  assert.equal(innermost(t, 0, '{{'), 'punctuation.definition.template.begin.atm');
  assert.equal(innermost(t, 0, '}}'), 'punctuation.definition.template.end.atm');
  const variable = scopesOf(t, 0, 'page_size');
  assert.equal(variable.at(-1), 'variable.other.template.atm');
  assertHas(variable, 'meta.template.expression.atm');
  assertHas(variable, 'string.unquoted.plain.out.yaml');
  assert.equal(innermost(t, 0, 'order'), 'variable.other.template.atm');
});

void test('{{env:NAME}} inside a double-quoted string', () => {
  const t = tokenize('  token: "Bearer {{env:API_TOKEN}}"');
  assert.equal(innermost(t, 0, 'Bearer '), 'string.quoted.double.yaml');
  assert.equal(innermost(t, 0, 'env'), 'support.type.env.atm');
  assert.equal(innermost(t, 0, ':', 1), 'punctuation.separator.env.atm');
  const name = scopesOf(t, 0, 'API_TOKEN');
  assert.equal(name.at(-1), 'variable.other.env.atm');
  assertHas(name, 'string.quoted.double.yaml');
  assertHas(name, 'meta.template.expression.atm');
});

void test('built-ins: $uuid, $randomInt with numbers, the others, and unknown ones', () => {
  const t = tokenize(
    [
      "id: '{{$uuid}}'",
      'n: "{{$randomInt 1 100}}"',
      'a: "{{$timestamp}} {{$isoTimestamp}} {{$requestIndex}}"',
      'b: "{{$nope}} {{$uuidx}}"',
      'c: "{{page size}}"',
    ].join('\n'),
  );
  assert.equal(innermost(t, 0, '$uuid'), 'support.function.builtin.atm');
  assertHas(scopesOf(t, 0, '$uuid'), 'string.quoted.single.yaml');
  assert.equal(innermost(t, 1, '$randomInt'), 'support.function.builtin.atm');
  assert.equal(innermost(t, 1, '1'), 'constant.numeric.integer.atm');
  assert.equal(innermost(t, 1, '100'), 'constant.numeric.integer.atm');
  assert.equal(innermost(t, 2, '$timestamp'), 'support.function.builtin.atm');
  assert.equal(innermost(t, 2, '$isoTimestamp'), 'support.function.builtin.atm');
  assert.equal(innermost(t, 2, '$requestIndex'), 'support.function.builtin.atm');
  assert.equal(innermost(t, 3, '$nope'), 'invalid.illegal.unknown-builtin.atm');
  assert.equal(innermost(t, 3, '$uuidx'), 'invalid.illegal.unknown-builtin.atm');
  assert.equal(innermost(t, 4, 'page'), 'variable.other.template.atm');
  assert.equal(innermost(t, 4, 'size'), 'invalid.illegal.template.atm');
});

void test('YAML 1.2: on/yes/no/off are plain strings; true, false, null and ~ are constants', () => {
  const t = tokenize(['on: yes', 'off: no', 'a: true', 'b: False', 'c: null', 'd: ~', 'e: truely', 'f: true story'].join('\n'));
  assert.equal(innermost(t, 0, 'on'), 'entity.name.tag.yaml');
  assert.equal(innermost(t, 0, 'yes'), 'string.unquoted.plain.out.yaml');
  assert.equal(innermost(t, 1, 'no'), 'string.unquoted.plain.out.yaml');
  assert.equal(innermost(t, 2, 'true'), 'constant.language.boolean.yaml');
  assert.equal(innermost(t, 3, 'False'), 'constant.language.boolean.yaml');
  assert.equal(innermost(t, 4, 'null'), 'constant.language.null.yaml');
  assert.equal(innermost(t, 5, '~'), 'constant.language.null.yaml');
  assert.equal(innermost(t, 6, 'truely'), 'string.unquoted.plain.out.yaml');
  assert.equal(innermost(t, 7, 'true story'), 'string.unquoted.plain.out.yaml');
});

void test('numbers are whole scalars only', () => {
  const t = tokenize(['a: 10', 'b: -1.5e3', 'c: 0x1F', 'd: .inf', 'e: 10 requests', 'f: 1.2.3', 'g: [1, 2.5, x1]'].join('\n'));
  assert.equal(innermost(t, 0, '10'), 'constant.numeric.integer.yaml');
  assert.equal(innermost(t, 1, '-1.5e3'), 'constant.numeric.float.yaml');
  assert.equal(innermost(t, 2, '0x1F'), 'constant.numeric.integer.yaml');
  assert.equal(innermost(t, 3, '.inf'), 'constant.numeric.float.yaml');
  assert.equal(innermost(t, 4, '10 requests'), 'string.unquoted.plain.out.yaml');
  assert.equal(innermost(t, 5, '1.2.3'), 'string.unquoted.plain.out.yaml');
  assert.equal(innermost(t, 6, '1'), 'constant.numeric.integer.yaml');
  assert.equal(innermost(t, 6, '2.5'), 'constant.numeric.float.yaml');
  assert.equal(innermost(t, 6, 'x1'), 'string.unquoted.plain.in.yaml');
});

void test('document markers, anchors, aliases, merge keys and tags', () => {
  const t = tokenize(['---', 'base: &defaults', '  timeout_seconds: 5', '<<: *defaults', 'n: !!str 5', '...'].join('\n'));
  assert.equal(innermost(t, 0, '---'), 'entity.other.document.begin.yaml');
  assert.equal(innermost(t, 1, '&'), 'punctuation.definition.anchor.yaml');
  assertHas(scopesOf(t, 1, 'defaults'), 'variable.other.anchor.yaml');
  assert.equal(innermost(t, 3, '<<'), 'keyword.other.merge-key.yaml');
  assert.equal(innermost(t, 3, '*'), 'punctuation.definition.alias.yaml');
  assert.equal(innermost(t, 3, 'defaults'), 'variable.other.alias.yaml');
  assertHas(scopesOf(t, 4, '!!str'.slice(1)), 'storage.type.tag-handle.yaml');
  assert.equal(innermost(t, 4, '5'), 'constant.numeric.integer.yaml');
  assert.equal(innermost(t, 5, '...'), 'entity.other.document.end.yaml');
});

void test('block sequences', () => {
  const t = tokenize(['endpoints:', '  - name: list', '    url: /items', '  - - nested', '  - plain item'].join('\n'));
  assert.equal(innermost(t, 1, '-'), 'punctuation.definition.block.sequence.item.yaml');
  assert.equal(innermost(t, 1, 'name'), 'entity.name.tag.yaml');
  assert.equal(innermost(t, 1, 'list'), 'string.unquoted.plain.out.yaml');
  assert.equal(innermost(t, 2, 'url'), 'entity.name.tag.yaml');
  assert.equal(innermost(t, 3, '-', 1), 'punctuation.definition.block.sequence.item.yaml');
  assert.equal(innermost(t, 4, 'plain item'), 'string.unquoted.plain.out.yaml');
});

void test('flow mapping with a templated string value, and flow sequences', () => {
  const t = tokenize(['body: { name: "item-{{$uuid}}", count: 2, tags: [a, "b"] }', 'expected_status_codes: [200, "2xx"]'].join('\n'));
  assert.equal(innermost(t, 0, '{'), 'punctuation.definition.mapping.begin.yaml');
  assert.equal(innermost(t, 0, 'name'), 'entity.name.tag.yaml');
  assertHas(scopesOf(t, 0, 'name'), 'meta.flow-mapping.yaml');
  assert.equal(innermost(t, 0, 'item-'), 'string.quoted.double.yaml');
  const uuid = scopesOf(t, 0, '$uuid');
  assert.equal(uuid.at(-1), 'support.function.builtin.atm');
  assertHas(uuid, 'meta.flow-mapping.yaml');
  assertHas(uuid, 'string.quoted.double.yaml');
  assert.equal(innermost(t, 0, ',', 0), 'punctuation.separator.mapping.yaml');
  assert.equal(innermost(t, 0, '2'), 'constant.numeric.integer.yaml');
  assert.equal(innermost(t, 0, 'a'), 'string.unquoted.plain.in.yaml');
  assertHas(scopesOf(t, 0, 'a'), 'meta.flow-sequence.yaml');
  assert.equal(innermost(t, 0, '}'), 'punctuation.definition.mapping.end.yaml');
  assert.equal(innermost(t, 1, '200'), 'constant.numeric.integer.yaml');
  assert.equal(innermost(t, 1, ','), 'punctuation.separator.sequence.yaml');
});

void test('a flow mapping spanning lines keeps its keys', () => {
  const t = tokenize(['headers: {', '  X-Trace: "{{$requestIndex}}",', '  Accept: json', '}', 'next: 1'].join('\n'));
  assert.equal(innermost(t, 1, 'X-Trace'), 'entity.name.tag.yaml');
  assert.equal(innermost(t, 1, '$requestIndex'), 'support.function.builtin.atm');
  assert.equal(innermost(t, 2, 'json'), 'string.unquoted.plain.in.yaml');
  assert.equal(innermost(t, 3, '}'), 'punctuation.definition.mapping.end.yaml');
  assertLacks(scopesOf(t, 4, 'next'), 'meta.flow');
});

void test('escapes in quoted strings', () => {
  const t = tokenize(`a: "tab\\tquote\\" bad\\q"\nb: 'it''s {{x}}'`);
  assert.equal(innermost(t, 0, '\\t'), 'constant.character.escape.yaml');
  assert.equal(innermost(t, 0, '\\"'), 'constant.character.escape.yaml');
  assert.equal(innermost(t, 0, '\\q'), 'invalid.illegal.escape.yaml');
  assert.equal(innermost(t, 1, "''"), 'constant.character.escape.yaml');
  assert.equal(innermost(t, 1, 'x'), 'variable.other.template.atm');
  assert.equal(innermost(t, 1, "'", 1), 'punctuation.definition.string.end.yaml');
});

void test('a double-quoted string may continue on the next line', () => {
  const t = tokenize(['description: "first line', '  {{name}} second line"', 'url: /x'].join('\n'));
  assertHas(scopesOf(t, 1, '  '), 'string.quoted.double.yaml');
  assert.equal(innermost(t, 1, 'name'), 'variable.other.template.atm');
  assert.equal(innermost(t, 2, 'url'), 'entity.name.tag.yaml');
});

void test('block scalars: templates inside, content continues across lines, ends at lower indentation', () => {
  const text = [
    'endpoints:',
    '  - name: create',
    '    body: |',
    '      {"id": "{{$uuid}}",',
    '',
    '       "owner": "{{env:OWNER}}"}',
    '      # not a comment: {{page_size}}',
    '    weight: 3',
    'description: >-',
    '  folded {{name}}',
    '  key: not a key',
    'thresholds:',
    '  - |',
    '    literal {{$timestamp}}',
    '  - p95 < 200ms',
  ].join('\n');
  const t = tokenize(text);
  assert.equal(innermost(t, 2, '|'), 'keyword.control.flow.block-scalar.yaml');
  assert.equal(innermost(t, 3, '      {"id": "'), 'string.unquoted.block.yaml');
  assert.equal(innermost(t, 3, '$uuid'), 'support.function.builtin.atm');
  assertHas(scopesOf(t, 3, '$uuid'), 'string.unquoted.block.yaml');
  assertHas(scopesOf(t, 5, 'OWNER'), 'string.unquoted.block.yaml');
  assert.equal(innermost(t, 5, 'OWNER'), 'variable.other.env.atm');
  assertLacks(scopesOf(t, 6, '      # not a comment: '), 'comment');
  assert.equal(innermost(t, 6, 'page_size'), 'variable.other.template.atm');
  assert.equal(innermost(t, 7, 'weight'), 'entity.name.tag.yaml');
  assertLacks(scopesOf(t, 7, 'weight'), 'string');
  assert.equal(innermost(t, 8, '-'), 'storage.modifier.chomping-indicator.yaml');
  assert.equal(innermost(t, 9, 'name'), 'variable.other.template.atm');
  assert.equal(innermost(t, 10, '  key: not a key'), 'string.unquoted.block.yaml');
  assert.equal(innermost(t, 11, 'thresholds'), 'entity.name.tag.yaml');
  assert.equal(innermost(t, 13, '$timestamp'), 'support.function.builtin.atm');
  assert.equal(innermost(t, 14, '-'), 'punctuation.definition.block.sequence.item.yaml');
});

void test('a block scalar on a sequence item key ends at the next key of the same item', () => {
  const t = tokenize(['  - body: >', '      line {{a}}', '     - still text', '', '    next: 1', '  - x'].join('\n'));
  assert.equal(innermost(t, 0, '>'), 'keyword.control.flow.block-scalar.yaml');
  assert.equal(innermost(t, 1, 'a'), 'variable.other.template.atm');
  assert.equal(innermost(t, 2, '     - still text'), 'string.unquoted.block.yaml');
  assert.equal(innermost(t, 4, 'next'), 'entity.name.tag.yaml');
  assert.equal(innermost(t, 4, '1'), 'constant.numeric.integer.yaml');
  assert.equal(innermost(t, 5, '-'), 'punctuation.definition.block.sequence.item.yaml');
});

void test('thresholds get their own scopes, plain or quoted', () => {
  const t = tokenize(['  - p95 < 200ms', '  - error_rate <= 1% # tight', '  - "p99.9 >= 1.5s"', 'thresholds: [ "p99 < 500ms", rps > 100 ]'].join('\n'));
  assert.equal(innermost(t, 0, 'p95'), 'support.variable.metric.atm');
  assert.equal(innermost(t, 0, '<'), 'keyword.operator.comparison.atm');
  assert.equal(innermost(t, 0, '200'), 'constant.numeric.threshold.atm');
  assert.equal(innermost(t, 0, 'ms'), 'keyword.other.unit.atm');
  assertHas(scopesOf(t, 0, 'ms'), 'meta.threshold.atm');
  assert.equal(innermost(t, 1, '%'), 'keyword.other.unit.atm');
  assert.equal(innermost(t, 1, ' tight'), 'comment.line.number-sign.yaml');
  assert.equal(innermost(t, 2, 'p99.9'), 'support.variable.metric.atm');
  assert.equal(innermost(t, 2, '>='), 'keyword.operator.comparison.atm');
  assertHas(scopesOf(t, 2, 'p99.9'), 'string.quoted.double.yaml');
  assert.equal(innermost(t, 3, 'p99'), 'support.variable.metric.atm');
  assert.equal(innermost(t, 3, 'rps'), 'support.variable.metric.atm');
});

void test('the grammar file follows the conventions and every regex compiles in Oniguruma', () => {
  const raw: unknown = JSON.parse(readFileSync(grammarPath, 'utf8'));
  assert.ok(raw && typeof raw === 'object');
  const g = raw as { scopeName?: unknown; repository?: Record<string, unknown>; patterns?: unknown };
  assert.equal(g.scopeName, SCOPE);
  const repository = g.repository ?? {};
  const regexes: string[] = [];
  const includes: string[] = [];
  const names: string[] = [];
  (function walk(node: unknown): void {
    if (Array.isArray(node)) {
      node.forEach(walk);
      return;
    }
    if (!node || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (typeof value === 'string') {
        if (key === 'match' || key === 'begin' || key === 'end' || key === 'while') regexes.push(value);
        if (key === 'include') includes.push(value);
        if (key === 'name' || key === 'contentName') names.push(value);
      } else {
        walk(value);
      }
    }
  })([g.patterns, g.repository]);
  assert.ok(regexes.length > 30);
  for (const include of includes) {
    assert.ok(include.startsWith('#') && include.slice(1) in repository, `unresolved include ${include}`);
  }
  for (const name of names) {
    for (const scope of name.split(' ')) {
      assert.match(scope, /^[a-z0-9-]+(\.[a-z0-9-]+)*\.(yaml|atm)$/, `scope ${scope} ends with .yaml or .atm`);
    }
  }
  for (const source of regexes) {
    // Back-references in end/while refer to the begin captures; vscode-textmate substitutes them before compiling.
    const compilable = source.replace(/\\[1-9]/g, 'x');
    assert.doesNotThrow(() => new oniguruma.OnigScanner([compilable]).dispose(), `does not compile: ${source}`);
  }
});

void test('built-ins, threshold metrics and known keys agree with engine/format', () => {
  for (const [name, { args }] of Object.entries(BUILTINS)) {
    const call = [name, ...Array.from({ length: args }, (_, i) => String(i + 1))].join(' ');
    const line = tokenize(`x: "{{${call}}}"`);
    assert.equal(innermost(line, 0, name), 'support.function.builtin.atm', name);
    for (let i = 1; i <= args; i++) assert.equal(innermost(line, 0, String(i)), 'constant.numeric.integer.atm', call);
  }
  for (const metric of THRESHOLD_METRICS) {
    assert.equal(innermost(tokenize(`- ${metric} < 1`), 0, metric), 'support.variable.metric.atm', metric);
  }
  // Flows: a latency metric over whole iterations.
  assert.equal(innermost(tokenize('- iteration_duration p95 < 2s'), 0, 'iteration_duration p95'), 'support.variable.metric.atm');
  const fields = Object.keys(atmSchema.properties ?? {});
  for (const field of fields) assertHas(scopesOf(tokenize(`${field}: x`), 0, field), 'meta.key.known.atm');
  const raw = JSON.parse(readFileSync(grammarPath, 'utf8')) as {
    repository: { 'key-text': { patterns: { match: string; name?: string }[] } };
  };
  const known = raw.repository['key-text'].patterns.find((p) => p.name?.includes('meta.key.known.atm'));
  assert.ok(known);
  const listed = /^\^\(\?:(.*)\)\$$/.exec(known.match)?.[1]?.split('|') ?? [];
  assert.deepEqual([...listed].sort(), [...fields].sort());
});

void test('language configuration: comments, pairs, folding, indentation, words', () => {
  const config = JSON.parse(readFileSync(languageConfigurationPath, 'utf8')) as {
    comments: { lineComment: string };
    brackets: [string, string][];
    autoClosingPairs: { open: string; close: string; notIn?: string[] }[];
    surroundingPairs: { open: string; close: string }[];
    folding: { offSide: boolean; markers: { start: string; end: string } };
    indentationRules: { increaseIndentPattern: string; decreaseIndentPattern: string };
    onEnterRules: { beforeText: string; action: { indent: string; appendText?: string } }[];
    wordPattern: string;
  };
  assert.equal(config.comments.lineComment, '#');
  assert.deepEqual(config.brackets, [['{', '}'], ['[', ']']]);
  const closing = new Map(config.autoClosingPairs.map((p) => [p.open, p.close]));
  assert.deepEqual(Object.fromEntries(closing), { '{': '}', '[': ']', '{{': '}}', '"': '"', "'": "'" });
  assert.ok(config.autoClosingPairs.find((p) => p.open === '"')?.notIn?.includes('string'));
  assert.deepEqual(
    config.surroundingPairs.map((p) => p.open + p.close),
    ['{}', '[]', '""', "''"],
  );
  assert.equal(config.folding.offSide, true);
  assert.ok(new RegExp(config.folding.markers.start).test('  # region setup'));
  assert.ok(new RegExp(config.folding.markers.end).test('# endregion'));

  const increase = new RegExp(config.indentationRules.increaseIndentPattern);
  for (const line of ['variables:', '  - name:', 'body: |', '  body: >- # folded', '- ', 'endpoints: [', '"quoted key":']) {
    assert.ok(increase.test(line), `indent after ${JSON.stringify(line)}`);
  }
  for (const line of ['name: x', '# comment:', 'key: x # note:', '  - headers: { a: 1 }', 'url: /items']) {
    assert.ok(!increase.test(line), `no indent after ${JSON.stringify(line)}`);
  }
  assert.ok(new RegExp(config.indentationRules.decreaseIndentPattern).test('  ]'));

  const onEnter = (line: string) => config.onEnterRules.find((r) => new RegExp(r.beforeText).test(line))?.action;
  assert.deepEqual(onEnter('  - headers:'), { indent: 'indent', appendText: '  ' });
  assert.deepEqual(onEnter('  - body: |'), { indent: 'indent', appendText: '  ' });
  assert.deepEqual(onEnter('  - name: list'), { indent: 'none', appendText: '  ' });
  assert.equal(onEnter('  - p95 < 200ms'), undefined);

  const words = '"{{env:API_TOKEN}}" {{$randomInt 1 100}} base_url X-Trace'.match(new RegExp(config.wordPattern, 'g'));
  assert.deepEqual(words, ['env', 'API_TOKEN', '$randomInt', '1', '100', 'base_url', 'X-Trace']);
});

void test('every example tokenizes without invalid scopes', (t) => {
  const dir = join(root, 'examples');
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => /\.atm\.ya?ml$/.test(f)) : [];
  if (files.length === 0) {
    t.skip('no examples yet');
    return;
  }
  for (const file of files) {
    const lines = tokenize(readFileSync(join(dir, file), 'utf8').replace(/\r\n/g, '\n'));
    lines.forEach((tokens, i) => {
      for (const token of tokens) {
        assertLacks(token.scopes, 'invalid');
        assert.ok(token.scopes[0] === SCOPE, `${file}:${i + 1}`);
      }
    });
    assert.ok(lines.some((tokens) => tokens.some((tok) => tok.scopes.includes('entity.name.tag.yaml'))), `${file} has keys`);
  }
});

void test('hostile 100 KB lines tokenize in linear time (no catastrophic backtracking)', () => {
  const size = 100_000;
  const fill = (unit: string) => unit.repeat(Math.ceil(size / unit.length)).slice(0, size);
  const lines: Record<string, string> = {
    'plain words': 'key: ' + fill('a '),
    'anchors': 'k: ' + fill('&a '),
    'anchors before a block scalar': 'k: ' + fill('&a ') + '|',
    'nested brackets': fill('{a: ['),
    'open braces': fill('{{'),
    'unclosed template': 'k: "{{' + fill('a'),
    'unclosed template, spaces': 'k: "{{a' + fill(' '),
    'templates in a plain scalar': 'u: x' + fill('{{x}}'),
    'built-ins in a string': 'u: "' + fill('{{$randomInt 1 2}} '),
    'long key': fill('a ') + ':',
    'flow keys': '{' + fill('"a": 1, '),
    'comments chars': 'k: x' + fill(' #'),
    'escapes': 'a: "' + fill('\\n'),
    'spaces then text': 'x: ' + fill(' ') + 'b',
  };
  // A quadratic rule takes tens of seconds here; linear ones take well under a second each.
  const limitMs = 10_000;
  for (const [label, line] of Object.entries(lines)) {
    const started = process.hrtime.bigint();
    const result = grammar.tokenizeLine(line, vsctm.INITIAL);
    const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
    assert.equal(result.stoppedEarly, false, label);
    assert.ok(result.tokens.length > 0, label);
    assert.ok(elapsedMs < limitMs, `${label}: ${elapsedMs.toFixed(0)} ms`);
  }
});
