// The results panel's HTML document. Pure (no DOM, no Node APIs) so that the extension host and
// the browser tests render exactly the same document.

export interface PanelHtmlOptions {
  /** URI of dist/webview.js as the webview can load it (webview.asWebviewUri). */
  scriptUri: string;
  /** URI of dist/webview.css. */
  styleUri: string;
  /** webview.cspSource: the origin the webview's own resources are served from. */
  cspSource: string;
  /** A fresh random value for every render (at least 128 bits, base64 or hex). */
  nonce: string;
  /** The panel's title (a test name: untrusted, escaped here). */
  title: string;
  /** Extra nonce'd scripts to run before the bundle (tests inject a stand-in acquireVsCodeApi). */
  preludeScripts?: readonly string[];
}

const NONCE_RE = /^[A-Za-z0-9+/=_-]{16,}$/;

/** Escapes text for an HTML text node or a double-quoted attribute. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) =>
    c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;',
  );
}

/** Escapes a double-quoted attribute value; single quotes stay readable (CSP keywords use them). */
function escapeAttr(text: string): string {
  return text.replace(/[&<>"]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&quot;'));
}

/** The Content-Security-Policy of the panel: nothing but its own bundle, nonce'd. */
export function panelCsp(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    // The toolkit and uPlot style through constructable stylesheets and CSSOM, which style-src
    // does not govern; the bundle's stylesheet comes from cspSource; FAST's one <style> probe
    // reads the nonce from <meta property="csp-nonce">.
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `font-src ${cspSource}`,
    `img-src ${cspSource}`,
  ].join('; ');
}

export function renderPanelHtml(options: PanelHtmlOptions): string {
  const { scriptUri, styleUri, cspSource, nonce, title } = options;
  if (!NONCE_RE.test(nonce)) throw new Error('renderPanelHtml: the nonce must be 16+ base64/hex characters');
  // A ';' or newline in cspSource would let it add directives. (VS Code's own value has quotes:
  // "'self' https://*.vscode-cdn.net"; the attribute escaping below keeps them harmless.)
  if (/[;\r\n]/.test(cspSource)) throw new Error('renderPanelHtml: invalid cspSource');
  // `</script` inside a prelude would end the element early; preludes are our own code.
  const preludes = (options.preludeScripts ?? []).map((code) => {
    if (/<\/script/i.test(code)) throw new Error('renderPanelHtml: a prelude script must not contain </script');
    return `  <script nonce="${nonce}">${code}</script>\n`;
  });
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${escapeAttr(panelCsp(cspSource, nonce))}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <meta property="csp-nonce" content="${nonce}">
  <link rel="stylesheet" href="${escapeHtml(styleUri)}" nonce="${nonce}">
  <title>${escapeHtml(title)}</title>
</head>
<body>
  <div id="app" aria-live="off"></div>
${preludes.join('')}  <script nonce="${nonce}" src="${escapeHtml(scriptUri)}"></script>
</body>
</html>
`;
}
