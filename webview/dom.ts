// A tiny element builder: the panel is built with DOM calls, never innerHTML, so no report text is parsed as HTML.

type Child = Node | string | number | null | undefined | false;
type Attributes = Record<string, string | number | boolean | undefined | null>;

/** el('td', { class: 'num' }, '1.2e-7') */
export function el<K extends string>(
  tag: K,
  attributes: Attributes = {},
  ...children: Child[]
): K extends keyof HTMLElementTagNameMap ? HTMLElementTagNameMap[K] : HTMLElement {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, ...children);
  return element as K extends keyof HTMLElementTagNameMap ? HTMLElementTagNameMap[K] : HTMLElement;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
}

export function clear(element: Element): void {
  element.replaceChildren();
}

/** a native table: header cells, then rows of cells (a cell may be a ready <td>) */
export function table(caption: string, headers: string[], rows: (Node | string)[][], className = 'data'): HTMLTableElement {
  const head = el('thead', {}, el('tr', {}, ...headers.map((h) => el('th', { scope: 'col' }, h))));
  const body = el('tbody');
  for (const row of rows) {
    const tr = el('tr');
    for (const cell of row) tr.appendChild(cell instanceof HTMLTableCellElement ? cell : el('td', {}, cell));
    body.appendChild(tr);
  }
  return el('table', { class: className }, el('caption', {}, caption), head, body);
}

/** a right-aligned numeric cell */
export function num(text: string): HTMLTableCellElement {
  return el('td', { class: 'num' }, text);
}
