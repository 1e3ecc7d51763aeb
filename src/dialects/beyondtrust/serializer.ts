// The command API's XML documents, built from the core's sessions and nodes (never from a store).
// Element names and their order follow the BeyondTrust documents (specs/beyondtrust-*.txt and
// WIRE-FORMATS.md §1); every element a document lists is written, empty when rollcall knows no value,
// so integrators always find the same structure.
//
// A document is written into one growing Buffer (http/body-writer.ts) in slices: after each slice of
// about `sliceMs` the serializer yields to the event loop, so 10,000 clients with their connections
// never hold the loop for the whole document (bench/bt-serialize.ts measures it). It is handed out as
// the pieces between slices, which lie one after the other in memory and join for free.
//
// Each client's `connected_<type>` element is a fragment of its own, remembered per session snapshot
// and document kind when the caller passes `ClientFragments` (see http/snapshot-memo.ts): an answer for
// clients that did not change since the last one copies their bytes instead of writing them again. A
// fragment holds nothing that moves in place (no last activity, no expiry), so it is always current.
import { EVENT_LOG_LIMIT, sessionConnections, sessionEvents, type Session } from '../../core/model.ts';
import type { Health } from '../../core/presence-service.ts';
import type { CommandPermission } from '../../history/history-store.ts';
import { BodyWriter } from '../../http/body-writer.ts';
import { DEFAULT_SLICE_MS, forEachSliced } from '../../http/slices.ts';
import { SnapshotMemo } from '../../http/snapshot-memo.ts';
import type { LiveNode } from '../../live/live-store.ts';
import type { BtClientType } from './client-types.ts';
import { flag, unixSeconds, xmlText, XmlLines } from './xml-writer.ts';

/** The command API version rollcall answers like (reported by get_api_info). */
export const API_VERSION = '1.24.1';

/** An XML answer: its UTF-8 bytes in the order they are sent. */
export type XmlDocument = readonly Buffer[];

/** One document kind's fragments, and the length of its last answer (the next one's first guess). */
class KindFragments {
  readonly memo = new SnapshotMemo<Session, Buffer>();
  lastBytes = 0;
}

/** Rendered `connected_<type>` elements per session snapshot, one memo per document kind. */
export class ClientFragments {
  readonly plain = new KindFragments();
  readonly withConnections = new KindFragments();

  clear(): void {
    this.plain.memo.clear();
    this.withConnections.memo.clear();
  }
}

export interface RenderOptions {
  /** Default namespace of the root, written byte for byte. */
  namespace: string;
  sliceMs?: number;
  /** Fragments of earlier answers to reuse; without it every client is written afresh. */
  fragments?: ClientFragments;
}

/**
 * Writes `items` with `write` into `lines`, moving the text into `out` (and cutting a piece there)
 * after each slice of `sliceMs`, and yielding to the event loop between slices.
 */
function writeSliced<T>(out: BodyWriter, lines: XmlLines, items: Iterable<T>, write: (item: T) => void, sliceMs: number): Promise<void> {
  return forEachSliced(items, write, sliceMs, () => out.utf8(lines.take()).cut());
}

/** The rest of `lines`, then the document. */
function finish(out: BodyWriter, lines: XmlLines): XmlDocument {
  out.utf8(lines.take());
  return out.finish();
}

const publicName = (session: Session) => session.user.publicDisplayName ?? session.user.name;
const privateName = (session: Session) => session.user.privateDisplayName ?? session.user.name;

// ---- get_connected_clients ------------------------------------------------------------------------

function writeConnections(lines: XmlLines, session: Session): void {
  lines.open('client_connections');
  for (const connection of sessionConnections(session)) {
    lines
      .open('client_connection')
      .element('appliance_id', connection.nodeId)
      .element('purpose', connection.purpose)
      .element('receive_traffic_node', flag(connection.receiveTrafficNode))
      .time('connected_since', connection.connectedSince)
      .element('private_ip', connection.privateIp)
      .close('client_connection');
  }
  lines.close('client_connections');
  // Beside <client_connections>, not inside it: the document's wording is ambiguous (WIRE-FORMATS §1).
  lines.open('event_log');
  const events = sessionEvents(session);
  for (let i = Math.max(0, events.length - EVENT_LOG_LIMIT); i < events.length; i++) {
    const event = events[i]!;
    lines.element('event', event.text, { ts: unixSeconds(event.at) });
  }
  lines.close('event_log');
}

function writeRepresentativeFacts(lines: XmlLines, session: Session): void {
  const rep = session.representative;
  lines
    .element('user_id', session.user.id)
    .element('type', rep?.type)
    .element('username', session.user.username)
    .element('public_display_name', publicName(session))
    .element('private_display_name', privateName(session))
    .element('start_session_url', rep?.startSessionUrl)
    .element('presentation_count', rep?.presentationCount ?? 0)
    .element('support_session_count', rep?.supportSessionCount ?? 0)
    .element('showing_on_rep_list', flag(rep?.showingOnRepList))
    .element('routing_idle', flag(rep?.routingIdle))
    .element('routing_busy', flag(rep?.routingBusy))
    .element('routing_enabled', flag(rep?.routingEnabled))
    .element('routing_available', flag(rep?.routingAvailable))
    .element('support_license', rep?.supportLicense)
    .open('support_session_lsids');
  for (const lsid of rep?.supportSessionLsids ?? []) lines.element('lsid', lsid);
  lines.close('support_session_lsids');
}

function writeConnectedClient(lines: XmlLines, session: Session, includeConnections: boolean): void {
  const name = `connected_${session.clientType}`;
  lines.open(name, { id: session.id });
  if (includeConnections) writeConnections(lines, session);
  lines
    .element('hostname', session.hostname)
    .element('platform', session.platform?.name, { id: session.platform?.id ?? '' })
    .element('timezone_offset', session.timezoneOffset);
  if (includeConnections) lines.time('connected_since', session.startedAt);
  switch (session.clientType) {
    case 'representative':
      writeRepresentativeFacts(lines, session);
      break;
    case 'support_customer':
      lines.element('name', session.user.name);
      // "If neither, this element is not returned."
      if (session.customer?.nonInteractive) lines.element('non_interactive', session.customer.nonInteractive);
      lines.element('lsid', session.customer?.lsid);
      break;
    default:
      // presentation_attendee, push_agent: the attendee's or the Jumpoint's name.
      lines.element('name', session.user.name);
  }
  lines.close(name);
}

/** One client's `connected_<type>` element, as UTF-8. */
function connectedClientBytes(session: Session, includeConnections: boolean): Buffer {
  const lines = new XmlLines();
  writeConnectedClient(lines, session, includeConnections);
  return Buffer.from(lines.take(), 'utf8');
}

/** `<connected_clients>`: one element per client, `connected_<type>`, in the order given. */
export async function connectedClientsXml(
  sessions: readonly Session[],
  includeConnections: boolean,
  options: RenderOptions,
): Promise<XmlDocument> {
  const kind = options.fragments && (includeConnections ? options.fragments.withConnections : options.fragments.plain);
  // Sized like the last answer of its kind with some room, so megabytes are not copied as it grows.
  const out = new BodyWriter(kind ? kind.lastBytes * 1.125 : undefined);
  out.utf8(new XmlLines().declaration('connected_clients', options.namespace).take());
  const write = kind
    ? (s: Session) => out.bytes(kind.memo.get(s, connectedClientBytes, includeConnections))
    : (s: Session) => out.bytes(connectedClientBytes(s, includeConnections));
  await forEachSliced(sessions, write, options.sliceMs ?? DEFAULT_SLICE_MS, () => out.cut());
  out.utf8(new XmlLines().close('connected_clients').take());
  if (kind) kind.lastBytes = out.byteLength;
  return out.finish();
}

// ---- get_connected_client_list --------------------------------------------------------------------

/**
 * `<connected_client_list>`: per appliance, how many clients of each asked type are connected to it,
 * then (unless `summaryOnly`) one `<connected_client type id/>` per client. Registered nodes come
 * first, with zero counts when idle; a node that only appears in a session's connections (one that
 * stopped and whose clients have not expired yet) follows.
 */
export async function connectedClientListXml(
  sessions: readonly Session[],
  types: readonly BtClientType[],
  nodes: readonly LiveNode[],
  summaryOnly: boolean,
  options: RenderOptions,
): Promise<XmlDocument> {
  const counts = new Map<string, Map<BtClientType, number>>();
  const countsOf = (nodeId: string) => {
    let byType = counts.get(nodeId);
    if (!byType) counts.set(nodeId, (byType = new Map()));
    return byType;
  };
  const count = (byType: Map<BtClientType, number>, type: BtClientType) => byType.set(type, (byType.get(type) ?? 0) + 1);
  for (const node of nodes) countsOf(node.id);
  for (const session of sessions) {
    const type = session.clientType as BtClientType;
    // A client counts once per appliance it is attached to.
    const connections = sessionConnections(session);
    if (connections.length <= 1) {
      count(countsOf(connections[0]?.nodeId ?? session.nodeId), type);
      continue;
    }
    for (const nodeId of new Set(connections.map((c) => c.nodeId))) count(countsOf(nodeId), type);
  }

  const lines = new XmlLines().declaration('connected_client_list', options.namespace).open('connected_client_summary');
  for (const [nodeId, byType] of counts) {
    lines.open('appliance_summary', { id: nodeId });
    for (const type of types) lines.element('count', byType.get(type) ?? 0, { type });
    lines.close('appliance_summary');
  }
  lines.close('connected_client_summary');
  const out = new BodyWriter();
  if (!summaryOnly) {
    const write = (s: Session) => lines.empty('connected_client', { type: s.clientType, id: s.id });
    await writeSliced(out, lines, sessions, write, options.sliceMs ?? DEFAULT_SLICE_MS);
  }
  lines.close('connected_client_list');
  return finish(out, lines);
}

// ---- get_logged_in_reps ---------------------------------------------------------------------------

interface LoggedInRep {
  /** The user's newest representative session: its user facts are the current ones. */
  latest: Session;
  first: Session;
  directLink: string | undefined;
  presentationCount: number;
  supportSessionCount: number;
  showingOnRepList: boolean;
}

/**
 * The HTML anchor the document describes, carried as text (the writer escapes it once more for XML).
 * HTML takes the same five entities as XML, so the XML escaper makes the URL and label safe for HTML.
 */
function anchor(url: string, label: string): string {
  return `<a href="${xmlText(url)}">${xmlText(label)}</a>`;
}

/**
 * `<logged_in_reps>`: one `<rep>` per user with a live representative session, its id the user's id.
 * A user logged in from several consoles is one rep: counts are summed, `logged_in_since` is the
 * earliest login, `showing_on_rep_list` holds if any console shows them.
 */
export async function loggedInRepsXml(sessions: readonly Session[], options: RenderOptions): Promise<XmlDocument> {
  const reps = new Map<string, LoggedInRep>();
  for (const session of sessions) {
    if (session.clientType !== 'representative') continue;
    const facts = session.representative;
    const rep = reps.get(session.user.id);
    if (!rep) {
      reps.set(session.user.id, {
        latest: session,
        first: session,
        directLink: facts?.directLink,
        presentationCount: facts?.presentationCount ?? 0,
        supportSessionCount: facts?.supportSessionCount ?? 0,
        showingOnRepList: facts?.showingOnRepList ?? false,
      });
      continue;
    }
    if (session.startedAt >= rep.latest.startedAt) rep.latest = session;
    if (session.startedAt < rep.first.startedAt) rep.first = session;
    rep.directLink ??= facts?.directLink;
    rep.presentationCount += facts?.presentationCount ?? 0;
    rep.supportSessionCount += facts?.supportSessionCount ?? 0;
    rep.showingOnRepList ||= facts?.showingOnRepList ?? false;
  }

  const lines = new XmlLines().declaration('logged_in_reps', options.namespace);
  const write = (rep: LoggedInRep) => {
    const { latest } = rep;
    lines
      .open('rep', { id: latest.user.id })
      // Deprecated since API 1.10.0 and kept for old integrations: the public display name.
      .element('display_name', publicName(latest))
      .element('public_display_name', publicName(latest))
      .element('private_display_name', privateName(latest))
      .element('type', latest.representative?.type ?? rep.first.representative?.type)
      .element('direct_link', rep.directLink === undefined ? undefined : anchor(rep.directLink, publicName(latest)))
      .time('logged_in_since', rep.first.startedAt)
      .element('presentation_count', rep.presentationCount)
      .element('support_session_count', rep.supportSessionCount)
      .element('showing_on_rep_list', flag(rep.showingOnRepList))
      .close('rep');
  };
  const out = new BodyWriter();
  await writeSliced(out, lines, reps.values(), write, options.sliceMs ?? DEFAULT_SLICE_MS);
  lines.close('logged_in_reps');
  return finish(out, lines);
}

// ---- get_api_info, check_health, get_appliances -----------------------------------------------------

/** `<api_information>`; `timestamp` is a plain integer of Unix seconds (a client int()s it). */
export function apiInfoXml(permission: CommandPermission, nowMs: number, options: RenderOptions): XmlDocument {
  const lines = new XmlLines()
    .declaration('api_information', options.namespace)
    .element('api_version', API_VERSION)
    .element('timestamp', Math.floor(nowMs / 1000))
    .open('permissions')
    .element('perm_command', permission)
    .close('permissions')
    .close('api_information');
  return [Buffer.from(lines.take(), 'utf8')];
}

/**
 * `<check_health>`: per node its `<appliance id>` (host name), `<version>`, `<success>`, an
 * `<error_message>` only on a problem, and `<failover_role>` (rollcall has no failover pairs: `none`).
 * Only this node can probe itself; the others are listed as healthy while they are registered.
 */
export function checkHealthXml(nodes: readonly LiveNode[], thisNodeId: string, health: Health, options: RenderOptions): XmlDocument {
  const lines = new XmlLines().declaration('check_health', options.namespace);
  for (const node of nodes) {
    const problem = node.id === thisNodeId && !health.ok ? health.problem : undefined;
    lines
      .element('appliance', node.hostname, { id: node.id })
      .element('version', node.version)
      .element('success', flag(problem === undefined));
    if (problem !== undefined) lines.element('error_message', problem);
    lines.element('failover_role', 'none');
  }
  lines.close('check_health');
  return [Buffer.from(lines.take(), 'utf8')];
}

/** A lone master is `single`; in a cluster the master is `primary` and the others `traffic`. */
function clusterRole(node: LiveNode, nodeCount: number): 'single' | 'primary' | 'traffic' {
  if (node.role === 'traffic') return 'traffic';
  return nodeCount === 1 ? 'single' : 'primary';
}

/** `<appliances>`: one `<appliance id>` per node of the cluster. */
export function appliancesXml(nodes: readonly LiveNode[], options: RenderOptions): XmlDocument {
  const lines = new XmlLines().declaration('appliances', options.namespace);
  for (const node of nodes) {
    lines
      .open('appliance', { id: node.id })
      .element('name', node.hostname)
      .element('public_hostname', node.publicHostname)
      .element('cluster_role', clusterRole(node, nodes.length))
      // A registered node is up and taking clients; one that stops is forgotten by the live store.
      .element('accepting_connections', 1)
      .element('timezone_offset', node.timezoneOffset)
      .close('appliance');
  }
  lines.close('appliances');
  return [Buffer.from(lines.take(), 'utf8')];
}
