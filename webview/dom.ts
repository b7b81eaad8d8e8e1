// DOM helpers. Every string from a run goes through `text` nodes or attributes here; nothing in the
// panel assigns innerHTML/outerHTML or uses insertAdjacentHTML.

export interface ElOptions {
  className?: string;
  testid?: string;
  text?: string;
  attrs?: Record<string, string>;
}

export function el(tag: string, options: ElOptions = {}, ...children: Node[]): HTMLElement {
  const node = document.createElement(tag);
  if (options.className !== undefined) node.className = options.className;
  if (options.testid !== undefined) node.setAttribute('data-testid', options.testid);
  if (options.attrs !== undefined) {
    for (const [name, value] of Object.entries(options.attrs)) node.setAttribute(name, value);
  }
  if (options.text !== undefined) node.textContent = options.text;
  for (const child of children) node.appendChild(child);
  return node;
}

/** Sets an element's text, touching the DOM only when it changed. */
export function setText(node: Element, text: string): void {
  const first = node.firstChild;
  if (first !== null && first.nodeType === Node.TEXT_NODE && first.nextSibling === null) {
    if (first.nodeValue !== text) first.nodeValue = text;
  } else if (first !== null || text !== '') {
    node.textContent = text;
  }
}

export function setAttr(node: Element, name: string, value: string | null): void {
  if (value === null) {
    if (node.hasAttribute(name)) node.removeAttribute(name);
  } else if (node.getAttribute(name) !== value) {
    node.setAttribute(name, value);
  }
}

export function setHidden(node: HTMLElement, hidden: boolean): void {
  if (node.hidden !== hidden) node.hidden = hidden;
}

export function toggleClass(node: Element, name: string, on: boolean): void {
  if (node.classList.contains(name) !== on) node.classList.toggle(name, on);
}
