// A sampled request as the Samples tab shows it: the request and the response with headers and
// bodies (JSON pretty-printed, huge bodies cut for display), and in a flow the sample's iteration.
import type { SampledRequest } from '../engine/format/result';
import { el } from './dom';
import { iterationBlock } from './flowView';
import { formatBytes, formatMs } from './format';
import { MAX_BODY_DISPLAY_CHARS } from './state';

const TRUNCATION_MARK = '...(truncated)';

/** The detail blocks of `s`; `onSelect` shows another sample of its iteration (from `all`). */
export function sampleDetail(s: SampledRequest, all: SampledRequest[], onSelect: (x: SampledRequest) => void): HTMLElement[] {
  const request = el(
    'div',
    { className: 'detail-block' },
    el('h3', { text: 'Request' }),
    el('pre', { className: 'request-line', testid: 'sample-request-line', text: `${s.method} ${s.url}` }),
    headersBlock(s.request_headers, 'sample-request-headers'),
    bodyBlock(s.request_body, false, s.request_headers, 'sample-request-body'),
  );
  const statusLine = [
    s.status === null ? 'No response' : `Status ${s.status}`,
    formatMs(s.latency_ms),
    s.endpoint ? `endpoint ${s.endpoint}` : '',
  ]
    .filter((x) => x !== '')
    .join(' · ');
  const response = el(
    'div',
    { className: 'detail-block' },
    el('h3', { text: 'Response' }),
    el('div', { className: 'status-line', testid: 'sample-status-line', text: statusLine }),
    s.error
      ? el('div', { className: 'detail-error', testid: 'sample-error', text: `${s.error}${s.error_type ? ` (${s.error_type})` : ''}` })
      : el('span'),
    headersBlock(s.response_headers, 'sample-response-headers'),
    bodyBlock(s.response_body, s.response_body_truncated === true, s.response_headers, 'sample-response-body'),
  );
  const blocks = [request, response];
  const iteration = iterationBlock(s, all, onSelect);
  if (iteration !== null) blocks.unshift(iteration);
  return blocks;
}

/** A sample's URL as the table shows it: the path and query (the origin is the same on every row). */
export function pathOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.pathname}${u.search}`;
  } catch {
    return url;
  }
}

export function isErrorSample(s: SampledRequest): boolean {
  return s.error !== null || s.status === null || (s.error_type !== undefined && s.error_type !== null);
}

function headersBlock(headers: Record<string, string>, testid: string): HTMLElement {
  const entries = Object.entries(headers);
  if (entries.length === 0) return el('div', { className: 'muted', testid, text: 'No headers' });
  return el('pre', { className: 'headers', testid, text: entries.map(([k, v]) => `${k}: ${v}`).join('\n') });
}

function headerValue(headers: Record<string, string>, name: string): string {
  const wanted = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === wanted) return v;
  return '';
}

/** A body as text: JSON pretty-printed when it parses, cut for display when huge, truncation marked. */
function bodyBlock(body: string | null, truncatedFlag: boolean, headers: Record<string, string>, testid: string): HTMLElement {
  if (body === null || body === '') return el('div', { className: 'muted', testid, text: body === null ? 'No body' : 'Empty body' });
  let text = body;
  let truncated = truncatedFlag;
  if (text.endsWith(TRUNCATION_MARK)) {
    text = text.slice(0, -TRUNCATION_MARK.length);
    truncated = true;
  }
  const notes: string[] = [];
  if (truncated) notes.push('Truncated: the engine kept only the first part of this body.');
  if (!truncated && text.length <= MAX_BODY_DISPLAY_CHARS) {
    const type = headerValue(headers, 'content-type');
    const trimmed = text.trimStart();
    if (/json/i.test(type) || trimmed.startsWith('{') || trimmed.startsWith('[')) {
      try {
        text = JSON.stringify(JSON.parse(text), null, 2);
      } catch {
        // Not JSON after all: shown as sent.
      }
    }
  }
  if (text.length > MAX_BODY_DISPLAY_CHARS) {
    notes.push(`Display limited to the first ${formatBytes(MAX_BODY_DISPLAY_CHARS)} of ${formatBytes(text.length)}.`);
    text = text.slice(0, MAX_BODY_DISPLAY_CHARS);
  }
  const pre = el('pre', { className: 'body', testid, text });
  if (notes.length === 0) return pre;
  return el(
    'div',
    {},
    pre,
    ...notes.map((n) => el('div', { className: 'truncated', testid: 'sample-truncated', text: n })),
  );
}
