// `rollcall webhooks add|list|remove|deliveries`: webhook subscriptions, beside the /v1/webhooks API
// and with the same rules (webhooks/subscriptions.ts). A running server on the same data dir picks
// changes up within a second. A generated secret is printed once, at creation.
import { Option, type Command } from 'commander';
import { WEBHOOK_DELIVERY_STATUSES, type WebhookDeliveryStatus } from '../../history/history-store.ts';
import { PRESENCE_CHANGE_TYPES } from '../../stream/event-types.ts';
import { WebhookSubscriptions } from '../../webhooks/subscriptions.ts';
import { positiveInteger } from '../arguments.ts';
import { commandConfig } from '../config.ts';
import { withHistory } from '../history.ts';
import { formatTable, formatTime, print } from '../output.ts';

/** Lets scripts pass a secret without putting it in argv, where `ps` shows it to everyone. */
export const NEW_WEBHOOK_SECRET_ENV = 'ROLLCALL_NEW_WEBHOOK_SECRET';

interface AddOptions {
  events: string;
  secret?: string;
}

interface DeliveriesOptions {
  limit: number;
  status?: WebhookDeliveryStatus;
}

export function registerWebhooks(program: Command): void {
  const webhooks = program.command('webhooks').description('manage webhook subscriptions: signed POSTs of presence changes');

  webhooks
    .command('add')
    .description(`subscribe a URL; without --secret (or ${NEW_WEBHOOK_SECRET_ENV}) a secret is generated and shown once`)
    .argument('<url>', 'an http or https URL')
    .requiredOption('--events <types>', `comma list of ${PRESENCE_CHANGE_TYPES.join(', ')}`)
    .option('--secret <secret>', `the signing secret, 16-256 characters (prefer ${NEW_WEBHOOK_SECRET_ENV}: argv is visible to others)`)
    .action(async (url: string, options: AddOptions, command: Command) => {
      const secret = options.secret ?? nonEmpty(process.env[NEW_WEBHOOK_SECRET_ENV]);
      const created = await withHistory(commandConfig(command), ({ history }) =>
        new WebhookSubscriptions(history).add({ url, events: options.events.split(','), ...(secret !== undefined && { secret }) }),
      );
      print(`created webhook ${created.id} for ${created.url} (events ${created.events.join(', ')})`);
      if (secret === undefined) {
        print(`secret: ${created.secret}`, '(shown only now; receivers check X-Rollcall-Signature with it)');
      }
    });

  webhooks
    .command('list')
    .description('list subscriptions (never their secrets)')
    .action(async (_options: unknown, command: Command) => {
      const list = await withHistory(commandConfig(command), ({ history }) => new WebhookSubscriptions(history).list());
      if (list.length === 0) return print('no webhooks yet');
      const rows = list.map((w) => [
        String(w.id),
        w.url,
        w.events.join(','),
        w.active ? 'yes' : 'no',
        formatTime(w.createdAt),
        w.disabledReason,
      ]);
      print(formatTable(['ID', 'URL', 'EVENTS', 'ACTIVE', 'CREATED', 'NOTE'], rows));
    });

  webhooks
    .command('remove')
    .description('remove a subscription and its deliveries, pending ones included')
    .argument('<id>', 'the id shown by webhooks list', positiveInteger)
    .action(async (id: number, _options: unknown, command: Command) => {
      await withHistory(commandConfig(command), ({ history }) => new WebhookSubscriptions(history).remove(id));
      print(`removed webhook ${id}`);
    });

  webhooks
    .command('deliveries')
    .description("a subscription's latest deliveries: status, attempts, next attempt, last answer or error")
    .argument('<id>', 'the id shown by webhooks list', positiveInteger)
    .option('--limit <n>', 'how many, newest first', positiveInteger, 20)
    .addOption(new Option('--status <status>', 'only deliveries in this state').choices(WEBHOOK_DELIVERY_STATUSES))
    .action(async (id: number, options: DeliveriesOptions, command: Command) => {
      const { status } = options;
      const list = await withHistory(commandConfig(command), ({ history }) =>
        new WebhookSubscriptions(history).deliveries(id, { limit: options.limit, ...(status !== undefined && { status }) }),
      );
      if (list.length === 0) return print('no deliveries');
      const rows = list.map((d) => [
        d.id,
        d.eventType,
        d.status,
        String(d.attempts),
        formatTime(d.createdAt),
        formatTime(d.lastAttemptAt),
        d.lastStatusCode === undefined ? undefined : String(d.lastStatusCode),
        d.lastError,
        formatTime(d.status === 'pending' ? d.nextAttemptAt : undefined),
      ]);
      print(formatTable(['DELIVERY', 'EVENT', 'STATUS', 'ATTEMPTS', 'CREATED', 'LAST ATTEMPT', 'HTTP', 'ERROR', 'NEXT ATTEMPT'], rows));
    });
}

const nonEmpty = (value: string | undefined) => (value === undefined || value === '' ? undefined : value);
