// The command API's actions. Each reads and checks its own parameters (its errors are written inside
// its root element), names what its answer depends on (the cache key), and renders the answer from
// the core's query methods.
import { hostname } from 'node:os';
import packageJson from '../../../package.json' with { type: 'json' };
import { RollcallError } from '../../core/errors.ts';
import type { PresenceService } from '../../core/presence-service.ts';
import type { CommandPermission } from '../../history/history-store.ts';
import type { LiveNode } from '../../live/live-store.ts';
import { parseFlag, parseIds, parseTypes, single, type RawParams } from './params.ts';
import {
  apiInfoXml,
  appliancesXml,
  checkHealthXml,
  connectedClientListXml,
  connectedClientsXml,
  loggedInRepsXml,
  type RenderOptions,
  type XmlDocument,
} from './serializer.ts';

export interface ActionContext {
  presence: PresenceService;
  render: RenderOptions;
  /** The caller's command-API permission (never `deny`: those are refused before any action). */
  permission: CommandPermission;
}

export interface PreparedAction {
  /** The parameters the answer depends on, normalised: equal keys give equal answers. */
  key: string;
  render(context: ActionContext): Promise<XmlDocument>;
}

export interface CommandAction {
  /** Root element of the answer; an error of the action's own is written as `<error>` inside it. */
  root: string;
  /** Reads and checks the action's parameters. Throws `invalid_parameter`. */
  prepare(params: RawParams): PreparedAction;
}

const getConnectedClients: CommandAction = {
  root: 'connected_clients',
  prepare(params) {
    const types = parseTypes(single(params, 'type'));
    const ids = parseIds(single(params, 'id'));
    const includeConnections = parseFlag('include_connections', single(params, 'include_connections'));
    return {
      key: `type=${types.join(',')}&id=${ids?.join(',') ?? ''}&include_connections=${Number(includeConnections)}`,
      // A client must match both lists when both are given; the core filters on both at once.
      render: async ({ presence, render }) =>
        connectedClientsXml(await presence.listSessions({ clientTypes: types, ...(ids && { ids }) }), includeConnections, render),
    };
  },
};

const getConnectedClientList: CommandAction = {
  root: 'connected_client_list',
  prepare(params) {
    const types = parseTypes(single(params, 'type'));
    const summaryOnly = parseFlag('summary_only', single(params, 'summary_only'));
    return {
      key: `type=${types.join(',')}&summary_only=${Number(summaryOnly)}`,
      render: async ({ presence, render }) => {
        const [sessions, nodes] = await Promise.all([presence.listSessions({ clientTypes: types }), presence.nodes()]);
        return connectedClientListXml(sessions, types, nodes, summaryOnly, render);
      },
    };
  },
};

const getLoggedInReps: CommandAction = {
  root: 'logged_in_reps',
  prepare: () => ({
    key: '',
    render: async ({ presence, render }) => loggedInRepsXml(await presence.listSessions({ clientTypes: ['representative'] }), render),
  }),
};

const getApiInfo: CommandAction = {
  root: 'api_information',
  prepare: () => ({
    key: '',
    render: async ({ permission, render }) => apiInfoXml(permission, Date.now(), render),
  }),
};

const checkHealth: CommandAction = {
  root: 'check_health',
  prepare: () => ({
    key: '',
    render: async ({ presence, render }) => {
      const health = await presence.health();
      const nodes = health.ok ? await presence.nodes() : [];
      // This node answers even when its live store does not, so the failure has a place to show.
      if (!nodes.some((node) => node.id === presence.nodeId)) nodes.unshift(unregisteredSelf(presence));
      return checkHealthXml(nodes, presence.nodeId, health, render);
    },
  }),
};

const getAppliances: CommandAction = {
  root: 'appliances',
  prepare: () => ({
    key: '',
    render: async ({ presence, render }) => appliancesXml(await presence.nodes(), render),
  }),
};

/** What this node can say of itself without its live store. */
function unregisteredSelf(presence: PresenceService): LiveNode {
  const name = hostname();
  return {
    id: presence.nodeId,
    role: 'master',
    hostname: name,
    publicHostname: name,
    version: packageJson.version,
    timezoneOffset: 0,
    startedAt: 0,
  };
}

export const ACTIONS: Readonly<Record<string, CommandAction>> = {
  get_connected_clients: getConnectedClients,
  get_connected_client_list: getConnectedClientList,
  get_logged_in_reps: getLoggedInReps,
  get_api_info: getApiInfo,
  check_health: checkHealth,
  get_appliances: getAppliances,
};

/** The action a request names; `invalid_parameter` when it names none or one rollcall does not answer. */
export function findAction(params: RawParams): { name: string; action: CommandAction } {
  const name = single(params, 'action')?.trim();
  if (!name)
    throw new RollcallError('invalid_parameter', `missing parameter action; supported actions: ${Object.keys(ACTIONS).join(', ')}`);
  const action = Object.hasOwn(ACTIONS, name) ? ACTIONS[name] : undefined;
  if (!action)
    throw new RollcallError('invalid_parameter', `unknown action "${name}"; supported actions: ${Object.keys(ACTIONS).join(', ')}`);
  return { name, action };
}
