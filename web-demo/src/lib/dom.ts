type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | ((e: Event) => void)>;

/** A tiny element builder: `h('button', { class: 'primary', onclick: go }, 'Go')`. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === 'function') el.addEventListener(name.replace(/^on/, ''), value);
    else if (value === true) el.setAttribute(name, '');
    else el.setAttribute(name, String(value));
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'number' ? String(c) : c);
  }
  return el;
}

/** The element with this id; a missing one is a bug in the page, so it throws. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} missing`);
  return el as T;
}

/** Shows exactly one of the page's steps (`<section class="step">`). */
export function showStep(id: string): void {
  for (const step of document.querySelectorAll<HTMLElement>('section.step')) step.hidden = step.id !== id;
  window.scrollTo({ top: 0 });
}

let toastTimer: ReturnType<typeof setTimeout> | undefined;
/** A message banner at the top of the page: `kind` error stays until dismissed or replaced. */
export function notify(message: string, kind: 'info' | 'success' | 'error' = 'info'): void {
  const box = byId('notice');
  box.className = `notice ${kind}`;
  box.replaceChildren(
    h('span', { role: kind === 'error' ? 'alert' : 'status' }, message),
    h('button', { class: 'close', 'aria-label': 'Dismiss', onclick: () => clearNotice() }, '×'),
  );
  box.hidden = false;
  if (toastTimer) clearTimeout(toastTimer);
  if (kind !== 'error') toastTimer = setTimeout(clearNotice, 6_000);
}
export function clearNotice(): void {
  const box = document.getElementById('notice');
  if (box) box.hidden = true;
}

/** Runs an action from a button: disables it meanwhile and reports failures through `onError`. */
export async function busy<T>(
  button: HTMLButtonElement | null,
  action: () => Promise<T>,
  onError: (err: unknown) => void,
) {
  if (button) button.disabled = true;
  try {
    return await action();
  } catch (err) {
    onError(err);
    return undefined;
  } finally {
    if (button) button.disabled = false;
  }
}
