// The panel's resource source: VS Code's real cspSource values, reduced to host sources.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resourceSource } from '../../client/csp';
import { renderPanelHtml } from '../../webview/html';

void test("VS Code's cspSource loses 'self' and keeps the https source renderPanelHtml accepts", () => {
  const vscodeSource = "'self' https://*.vscode-cdn.net";
  assert.equal(resourceSource(vscodeSource), 'https://*.vscode-cdn.net');
  const html = renderPanelHtml({
    scriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview.js',
    styleUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview.css',
    cspSource: resourceSource(vscodeSource),
    nonce: 'abcdefghijklmnopqrstuv',
    title: 't',
  });
  assert.match(html, /style-src https:\/\/\*\.vscode-cdn\.net 'nonce-abcdefghijklmnopqrstuv'/);
});

void test('a source without keywords is kept as it is', () => {
  assert.equal(resourceSource('vscode-webview-resource: https://a.example'), 'vscode-webview-resource: https://a.example');
  assert.equal(resourceSource("'self'"), "'self'");
});
