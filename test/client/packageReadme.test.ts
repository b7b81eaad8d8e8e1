// The README ships inside the .vsix: vsce rewrites relative links against a GitHub or GitLab
// repository and refuses to package when it cannot, so every link in it must be absolute.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

void test('every link and image in the README is absolute or an in-page anchor, so vsce can package it', () => {
  const text = readFileSync('README.md', 'utf8').replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  const targets = [...text.matchAll(/!?\[[^\]]*\]\(([^)\s]+)[^)]*\)/g)].map((m) => m[1]);
  assert.ok(targets.length > 0, 'the README has links to check');
  const relative = targets.filter((t) => !/^(https?:|mailto:|#)/.test(t));
  assert.deepEqual(relative, [], `relative links in README.md break \`vsce package\`: ${relative.join(', ')}`);
});
