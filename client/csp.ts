// What the results panel's Content-Security-Policy is built from (no 'vscode', so it is unit tested).

/**
 * The webview's resource source without CSP keywords. VS Code's cspSource is
 * `'self' https://*.vscode-cdn.net`; the panel loads only asWebviewUri resources (the https
 * source), never from the webview's own origin, so `'self'` is not needed, and renderPanelHtml
 * refuses quotes in a source.
 */
export function resourceSource(cspSource: string): string {
  const sources = cspSource.split(/\s+/).filter((t) => t !== '' && !t.startsWith("'"));
  return sources.length > 0 ? sources.join(' ') : cspSource;
}
