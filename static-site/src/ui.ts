// Small DOM helpers: text only (never HTML from data), and one live region per page.
import { t } from './i18n';

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<Record<string, string>> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value !== undefined) node.setAttribute(name, value);
  }
  node.append(...children);
  return node;
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`#${id} is missing`);
  return node as T;
}

export type Tone = 'info' | 'success' | 'error';

/** Shows a message in the page's status region (announced to screen readers). */
export function announce(message: string, tone: Tone = 'info', ...extra: Node[]): void {
  const status = byId('status');
  status.className = `status ${tone}`;
  status.setAttribute('role', tone === 'error' ? 'alert' : 'status');
  status.replaceChildren(el('p', {}, message), ...extra);
  status.hidden = false;
}

export function busy(button: HTMLButtonElement, label: string): () => void {
  const previous = button.textContent ?? '';
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  button.textContent = label;
  return () => {
    button.disabled = false;
    button.removeAttribute('aria-busy');
    button.textContent = previous;
  };
}

/** A button that reloads the page: the retry for a service that was slow or out of reach. */
export function reloadButton(): HTMLButtonElement {
  const button = el('button', { type: 'button' }, t('common.tryAgain'));
  button.addEventListener('click', () => location.reload());
  return button;
}
