// What the admin pages share: their tabs, the admin-only guard (readers see a notice; the server
// refuses them anyway), a message line, a list loaded from the API into a sortable table, a form that
// creates something, and the box that shows a new secret the one time the API answers it.
import { problemText } from '../../api.ts';
import { DataTable, type TableColumn } from '../../data-table.ts';
import { h, replaceChildren, setText, type Child } from '../../dom.ts';
import { absolute, count, shortAbsolute } from '../../format.ts';
import { adminHref } from '../../links.ts';
import { notice } from '../parts.ts';
import type { Context, View } from '../view.ts';

export type AdminSection = 'accounts' | 'keys' | 'oauth-clients' | 'webhooks';

const SECTIONS: Array<[AdminSection, string]> = [
  ['accounts', 'Accounts'],
  ['keys', 'API keys'],
  ['oauth-clients', 'OAuth clients'],
  ['webhooks', 'Webhooks'],
];

function adminTabs(current: AdminSection): HTMLElement {
  return h(
    'nav',
    { class: 'tabs', 'aria-label': 'Administration' },
    ...SECTIONS.map(([section, label]) =>
      h('a', { href: adminHref(section), ...(section === current && { 'aria-current': 'page' }) }, label),
    ),
  );
}

/** For readers: the page says it is for admins, and loads nothing. */
export function readerNotice(section: AdminSection, title: string): View {
  const heading = h('h2', { tabindex: -1 }, title);
  return {
    element: h(
      'div',
      { class: 'page' },
      adminTabs(section),
      heading,
      notice('Only admins manage accounts, keys, OAuth clients and webhooks. Ask an admin, or sign in as one.'),
    ),
    title,
    heading,
    destroy() {},
  };
}

export interface AdminPageOptions<T> {
  context: Context;
  section: AdminSection;
  title: string;
  /** A sentence under the title: what these are for. */
  intro: string;
  /** `GET` path of the list (asked again at each reload), and the answer's field that holds it. */
  listPath: string | (() => string);
  listField: string;
  caption: string;
  emptyText: string;
  key(row: T): string;
  columns(page: AdminPage<T>): TableColumn<T>[];
  /** The form that creates one, given the page (to reload it and to say what happened), and its title. */
  form?(page: AdminPage<T>): HTMLElement;
  formTitle?: string;
  /** A panel above the list (a subscription's facts and the status filter of its deliveries). */
  above?: HTMLElement;
  /** Where the tabs link back to, when the page is one item's (a subscription's deliveries). */
  crumb?: HTMLElement;
}

export class AdminPage<T> {
  readonly heading: HTMLHeadingElement;
  readonly element: HTMLElement;
  readonly context: Context;
  private readonly message = h('div', { class: 'admin-message', role: 'status' });
  private readonly countLine = h('p', { class: 'count' });
  private readonly table: DataTable<T>;
  rows: T[] = [];

  constructor(private readonly options: AdminPageOptions<T>) {
    this.context = options.context;
    this.heading = h('h2', { tabindex: -1, id: `${options.section}-heading` }, options.title);
    this.table = new DataTable<T>({
      columns: options.columns(this),
      caption: options.caption,
      key: options.key,
      emptyText: options.emptyText,
      className: options.section,
    });
    this.element = h(
      'div',
      { class: `page admin-page ${options.section}-page` },
      adminTabs(options.section),
      options.crumb ?? null,
      h('div', { class: 'page-head' }, h('div', {}, this.heading, h('p', { class: 'subtitle' }, options.intro))),
      options.above ? h('section', { class: 'panel', 'aria-label': 'About' }, options.above) : null,
      h(
        'section',
        { class: 'panel table-panel', 'aria-labelledby': this.heading.id },
        h('div', { class: 'panel-head' }, h('h3', {}, options.caption), this.countLine),
        this.table.element,
      ),
      // Beside the form: what a row's button or the form just did (a new secret) shows where the eye is.
      this.message,
      options.form
        ? h(
            'section',
            { class: 'panel form-panel', 'aria-labelledby': `${options.section}-form-heading` },
            h('h3', { id: `${options.section}-form-heading` }, options.formTitle ?? 'New'),
            options.form(this),
          )
        : null,
    );
  }

  async reload(): Promise<void> {
    try {
      const { listPath } = this.options;
      const answer = await this.context.api.get<Record<string, T[]>>(typeof listPath === 'string' ? listPath : listPath());
      this.rows = answer[this.options.listField] ?? [];
      this.table.setRows(this.rows);
      setText(this.countLine, count(this.rows.length));
    } catch (error) {
      this.say(`Could not load the list: ${problemText(error)}`, true);
    }
  }

  /** Shows what happened above the form: a sentence, a secret box, or an error. */
  say(content: Child, isError = false): void {
    replaceChildren(
      this.message,
      typeof content === 'string'
        ? h('p', { class: isError ? 'banner error' : 'banner', role: isError ? 'alert' : undefined }, content)
        : content,
    );
  }

  /**
   * Runs a row's action (a button press): the button waits, then the page says how it went and shows
   * the list again. `confirmText`, when given, is asked first.
   */
  action(label: string, run: () => Promise<Child>, options: { confirmText?: string; danger?: boolean } = {}): HTMLButtonElement {
    const button = h('button', { type: 'button', class: options.danger ? 'danger small' : 'secondary small' }, label);
    button.addEventListener('click', async () => {
      if (options.confirmText && !confirm(options.confirmText)) return;
      button.disabled = true;
      try {
        this.say(await run());
      } catch (error) {
        this.say(problemText(error), true);
      } finally {
        button.disabled = false;
      }
      await this.reload();
    });
    return button;
  }

  /** The page for the router; `destroy` stops what the page started besides (a timer). */
  view(destroy: () => void = () => {}): View {
    void this.reload();
    return { element: this.element, title: this.options.title, heading: this.heading, destroy };
  }
}

/** A secret the API answers once: shown with a copy button and a warning that it will not be again. */
export function secretBox(what: string, secret: string, more?: Child): HTMLElement {
  const field = h('input', { type: 'text', readonly: true, value: secret, class: 'secret', 'aria-label': what, spellcheck: 'false' });
  const copy = h('button', { type: 'button', class: 'secondary small' }, 'Copy');
  copy.addEventListener('click', async () => {
    field.select();
    try {
      await navigator.clipboard.writeText(secret);
      setText(copy, 'Copied');
    } catch {
      // No clipboard access (an insecure origin): the text is selected for Ctrl+C.
      setText(copy, 'Selected: press Ctrl+C');
    }
  });
  return h(
    'div',
    { class: 'secret-box', role: 'status' },
    h('p', {}, h('strong', {}, what), ' — copy it now: it is not shown again.'),
    h('div', { class: 'secret-line' }, field, copy),
    more ?? null,
  );
}

/** The column every admin list has: when it was created, the full time in a tooltip, newest first on a press. */
export function createdColumn<T extends { createdAt: number }>(): TableColumn<T> {
  return {
    header: 'Created',
    className: 'col-when',
    cell: (row) => h('span', { title: absolute(row.createdAt) }, shortAbsolute(row.createdAt)),
    sort: (row) => row.createdAt,
    descendingFirst: true,
  };
}

/** A labelled control, with a hint under it. */
export function formField(label: string, control: HTMLElement, hint?: string): HTMLDivElement {
  const hintId = hint ? `${control.id}-hint` : undefined;
  if (hintId) control.setAttribute('aria-describedby', hintId);
  return h(
    'div',
    { class: 'field' },
    h('label', { for: control.id }, label),
    control,
    hint ? h('p', { class: 'hint', id: hintId }, hint) : null,
  );
}

/**
 * A form that creates something: `submit` checks and sends, and answers what to say (a secret box);
 * a problem it throws is shown beside the button and the page's list is reloaded after a success.
 */
export function createForm<T>(
  page: AdminPage<T>,
  id: string,
  fields: HTMLElement[],
  submitLabel: string,
  submit: () => Promise<Child>,
): HTMLFormElement {
  const error = h('p', { class: 'error', role: 'alert', id: `${id}-error` });
  const button = h('button', { type: 'submit' }, submitLabel);
  const form = h('form', { class: 'admin-form', id, novalidate: true }, ...fields, h('div', { class: 'form-actions' }, button, error));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    button.disabled = true;
    try {
      page.say(await submit());
      form.reset();
      await page.reload();
    } catch (problem) {
      error.textContent = problemText(problem);
    } finally {
      button.disabled = false;
    }
  });
  return form;
}
