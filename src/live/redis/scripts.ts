// The Lua scripts of the Redis live store. Each mutation is one script: it checks the epoch, changes
// state, and appends its changes to the stream in the same atomic step, so no change is ever made
// without every node hearing of it, in one order. What the entries' `d` field holds is described in
// stream-entries.ts, which reads them.
//
// Scripts never decode a session's JSON: what they must know of a session (its user, its node) the
// node states beside the expected version, and the version check makes that statement true. (Lua's
// cjson would also refuse strings that JSON.stringify writes, such as lone surrogates from a client.)
// Numbers pass as the strings the node sent or through string.format('%d'): Lua prints a seq such as
// 1760000000000123 as 1.76e+15 otherwise.
import { createHash } from 'node:crypto';
import { KEY_NAMES } from './keys.ts';

/** The message prefix of the error a guarded script answers when the stored epoch is not the caller's. */
export const EPOCH_MISMATCH = 'ROLLCALL_EPOCH';

export class LuaScript {
  readonly sha: string;

  constructor(
    readonly name: string,
    readonly source: string,
  ) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }
}

/**
 * What every script starts with: `local K = { epoch = KEYS[1], … }`, the keys by name in keys.ts
 * order, and Redis's clock (one clock for the cluster: nodes' clocks may disagree).
 */
const PRELUDE = `local K = { ${KEY_NAMES.map((name, i) => `${name} = KEYS[${i + 1}]`).join(', ')} }

local function now_ms()
  local time = redis.call('TIME')
  return tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end
`;

/**
 * Every guarded script gets ARGV[1] = the epoch the node joined, ARGV[2] = the stream's approximate
 * MAXLEN, ARGV[3] = the origin of what it appends (pending-mutations.ts); its own arguments follow.
 * After a Redis restart without data, queued or retried commands reach an empty server and no client
 * reports an error: the epoch check is what refuses them.
 */
const GUARDED_PRELUDE = `${PRELUDE}
local EPOCH, MAXLEN, ORIGIN = ARGV[1], ARGV[2], ARGV[3]
if redis.call('GET', K.epoch) ~= EPOCH then
  return redis.error_reply('${EPOCH_MISMATCH} the stored epoch is not the one this node joined')
end

-- A stored session is '<version>:<json>'.
local function version_of(stored)
  return string.sub(stored, 1, string.find(stored, ':', 1, true) - 1)
end

-- Takes 'count' seqs and appends one entry whose id is the first of them.
local function append(kind, count, data)
  local first = redis.call('INCRBY', K.seq, count) - count + 1
  redis.call('XADD', K.stream, 'MAXLEN', '~', MAXLEN, string.format('%d-0', first), 'k', kind, 'o', ORIGIN, 'd', data)
  return first
end

-- What a caller whose expected version was stale gets back: the session as stored, with its clock.
local function conflict(id, stored)
  return { stored, redis.call('HGET', K.activity, id) or false, redis.call('ZSCORE', K.deadlines, id) or false }
end

local function beat(node)
  redis.call('ZADD', K.beats, string.format('%d', now_ms()), node)
end

local function forget(node)
  redis.call('HDEL', K.nodes, node)
  redis.call('ZREM', K.nodeOrder, node)
  redis.call('ZREM', K.beats, node)
end
`;

const guarded = (name: string, body: string) => new LuaScript(name, `${GUARDED_PRELUDE}\n${body}`);
const unguarded = (name: string, body: string) => new LuaScript(name, `${PRELUDE}\n${body}`);

/**
 * Answers the epoch, creating it (and starting the seq) when there is none. A new epoch's seq starts
 * at max(the stored seq, Redis TIME in ms × 1000), as the memory store does: after Redis lost its
 * data, the new changes are numbered above any seen before, and a stream client's old event id reads
 * as too old, never as one of the new changes. ARGV[1]: the epoch to create.
 */
export const ENSURE_EPOCH = unguarded(
  'ensure-epoch',
  `
local epoch = redis.call('GET', K.epoch)
if epoch then return epoch end
local seq = tonumber(redis.call('GET', K.seq) or '0')
redis.call('SET', K.seq, string.format('%d', math.max(seq, now_ms() * 1000)))
redis.call('SET', K.epoch, ARGV[1])
return ARGV[1]
`,
);

/**
 * Where a replica starts, read in one step: { epoch, seq, id of the change stream's last entry, id
 * of the activity stream's last entry }.
 */
export const STREAM_HEAD = unguarded(
  'stream-head',
  `
local function last_id(stream)
  local last = redis.call('XREVRANGE', stream, '+', '-', 'COUNT', 1)[1]
  return last and last[1] or false
end
return { redis.call('GET', K.epoch), redis.call('GET', K.seq), last_id(K.stream), last_id(K.activityStream) }
`,
);

/**
 * Opens a session. ARGV[4..]: id, user id, node id, detached ('1'/'0'), lastActivityAt, expiresAt,
 * session JSON. Answers the session's seq, or nil when the id is live already.
 */
export const OPEN = guarded(
  'open',
  `
local id, user, node, detached, activity, deadline, json = ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9], ARGV[10]
if redis.call('HEXISTS', K.sessions, id) == 1 then return false end
local first = redis.call('HINCRBY', K.userSessions, user, 1) == 1
local seq = append('open', first and 2 or 1, (first and '1' or '0') .. '\\n' .. json)
redis.call('HSET', K.sessions, id, string.format('%d', seq) .. ':' .. json)
redis.call('ZADD', K.deadlines, deadline, id)
redis.call('HSET', K.activity, id, activity)
redis.call('SADD', K.nodeSessions .. node, id)
if detached == '1' then redis.call('SADD', K.detached, id) end
return seq
`,
);

/**
 * Compare-and-set of sessions. ARGV[4]: the changes' time; then per session 8 values: id, expected
 * version, node id at that version, next node id, next detached ('1'/'0'), next lastActivityAt, next
 * expiresAt, next JSON. Applies each whose version is the expected one; all applied are announced in
 * one entry. Answers { first seq or 0, outcomes }, an outcome per session: 'ok', 'gone', or the
 * conflict { stored, lastActivityAt, expiresAt }.
 */
export const UPDATE = guarded(
  'update',
  `
local outcomes, applied, data = {}, {}, { ARGV[4] }
for i = 5, #ARGV, 8 do
  local id = ARGV[i]
  local stored = redis.call('HGET', K.sessions, id)
  if not stored then
    outcomes[#outcomes + 1] = 'gone'
  elseif version_of(stored) ~= ARGV[i + 1] then
    outcomes[#outcomes + 1] = conflict(id, stored)
  else
    outcomes[#outcomes + 1] = 'ok'
    applied[#applied + 1] = i
    data[#data + 1] = ARGV[i + 7]
  end
end
if #applied == 0 then return { 0, outcomes } end
local first = append('update', #applied, table.concat(data, '\\n'))
for n, i in ipairs(applied) do
  local id, node, next_node = ARGV[i], ARGV[i + 2], ARGV[i + 3]
  redis.call('HSET', K.sessions, id, string.format('%d', first + n - 1) .. ':' .. ARGV[i + 7])
  redis.call('ZADD', K.deadlines, ARGV[i + 6], id)
  redis.call('HSET', K.activity, id, ARGV[i + 5])
  if node ~= next_node then
    redis.call('SREM', K.nodeSessions .. node, id)
    redis.call('SADD', K.nodeSessions .. next_node, id)
  end
  if ARGV[i + 4] == '1' then redis.call('SADD', K.detached, id) else redis.call('SREM', K.detached, id) end
end
return { first, outcomes }
`,
);

/**
 * Ends sessions. Per session 8 values: id, expected version, user id, node id at that version, the
 * end as JSON ({reason, at, endedBy}), due by ('' or epoch ms: end it only if its deadline is at or
 * before that), and the ending node's newest activity not yet flushed ('' '' or lastActivityAt,
 * expiresAt). All ended are announced in one entry. Answers { first seq or 0, outcomes }, an outcome
 * per session: 'ok', 'gone', 'not due', or the conflict { stored, lastActivityAt, expiresAt }.
 */
export const END = guarded(
  'end',
  `
local outcomes, data, changes = {}, {}, 0
for i = 4, #ARGV, 8 do
  local id, user, node, due_by = ARGV[i], ARGV[i + 2], ARGV[i + 3], ARGV[i + 5]
  local stored = redis.call('HGET', K.sessions, id)
  local activity, deadline
  if stored then
    activity = redis.call('HGET', K.activity, id) or '0'
    deadline = redis.call('ZSCORE', K.deadlines, id) or '0'
  end
  if not stored then
    outcomes[#outcomes + 1] = 'gone'
  elseif version_of(stored) ~= ARGV[i + 1] then
    outcomes[#outcomes + 1] = conflict(id, stored)
  elseif due_by ~= '' and tonumber(deadline) > tonumber(due_by) then
    outcomes[#outcomes + 1] = 'not due'
  else
    if ARGV[i + 6] ~= '' and tonumber(ARGV[i + 6]) > tonumber(activity) then
      activity, deadline = ARGV[i + 6], ARGV[i + 7]
    end
    redis.call('HDEL', K.sessions, id)
    redis.call('ZREM', K.deadlines, id)
    redis.call('HDEL', K.activity, id)
    redis.call('SREM', K.detached, id)
    redis.call('SREM', K.nodeSessions .. node, id)
    -- user.offline carries the latest activity of any of the user's sessions while online.
    local seen = activity
    local earlier = redis.call('HGET', K.userSeen, user)
    if earlier and tonumber(earlier) > tonumber(activity) then seen = earlier end
    local last = redis.call('HINCRBY', K.userSessions, user, -1) <= 0
    if last then
      redis.call('HDEL', K.userSessions, user)
      redis.call('HDEL', K.userSeen, user)
    else
      redis.call('HSET', K.userSeen, user, seen)
    end
    outcomes[#outcomes + 1] = 'ok'
    changes = changes + (last and 2 or 1)
    for _, part in ipairs({ ARGV[i + 4], activity, deadline, last and '1' or '0', seen, stored }) do
      data[#data + 1] = part
    end
  end
end
if changes == 0 then return { 0, outcomes } end
return { append('end', changes, table.concat(data, '\\n')), outcomes }
`,
);

/** Ids of up to ARGV[5] sessions whose deadline is at or before ARGV[4], earliest first. */
export const DUE_SESSIONS = guarded(
  'due-sessions',
  `
return redis.call('ZRANGEBYSCORE', K.deadlines, '-inf', ARGV[4], 'LIMIT', 0, ARGV[5])
`,
);

/**
 * Entries the activity stream keeps: each holds up to ACTIVITY_CHUNK sessions' clocks (about 40 kB),
 * so at most about 40 MB. A node away longer misses clocks only: every change is in the change stream,
 * and clocks are read with the snapshot when a node reloads.
 */
export const ACTIVITY_STREAM_MAX_LENGTH = 1_000;

/**
 * Heartbeats of one node since its last flush. Per session 3 values: id, lastActivityAt, expiresAt.
 * Moves the clock of each live session that is not detached (an ended one is never resurrected, a
 * detached one keeps its grace deadline) and appends the moved ones, with the version each had, as
 * one entry of the activity stream. Answers how many sessions moved.
 */
export const ACTIVITY = guarded(
  'activity',
  `
local data = {}
for i = 4, #ARGV, 3 do
  local id = ARGV[i]
  local stored = redis.call('HGET', K.sessions, id)
  if stored and redis.call('SISMEMBER', K.detached, id) == 0 then
    redis.call('HSET', K.activity, id, ARGV[i + 1])
    redis.call('ZADD', K.deadlines, ARGV[i + 2], id)
    for _, part in ipairs({ id, version_of(stored), ARGV[i + 1], ARGV[i + 2] }) do data[#data + 1] = part end
  end
end
if #data == 0 then return 0 end
redis.call('XADD', K.activityStream, 'MAXLEN', '~', ${ACTIVITY_STREAM_MAX_LENGTH}, '*', 'k', 'activity', 'o', ORIGIN, 'd', table.concat(data, '\\n'))
return #data / 4
`,
);

/** Appends changes no live session carries. ARGV[4..]: the changes as JSON. Answers the first seq. */
export const ANNOUNCE = guarded(
  'announce',
  `
if #ARGV < 4 then return 0 end
return append('announce', #ARGV - 3, table.concat(ARGV, '\\n', 4))
`,
);

/**
 * Lists a node (ARGV[4]: id, ARGV[5]: LiveNode JSON), keeping the number of its first registration,
 * and records a beat.
 */
export const REGISTER_NODE = guarded(
  'register-node',
  `
local node = ARGV[4]
redis.call('HSET', K.nodes, node, ARGV[5])
if not redis.call('ZSCORE', K.nodeOrder, node) then
  redis.call('ZADD', K.nodeOrder, redis.call('INCR', K.nodeRegistrations), node)
end
beat(node)
return 1
`,
);

/**
 * Records that node ARGV[4] is alive, at Redis TIME (nodes' clocks may disagree; Redis's is one).
 * Answers 0 when the node is not listed (it was claimed as silent meanwhile): it must register again.
 */
export const BEAT = guarded(
  'beat',
  `
if redis.call('HEXISTS', K.nodes, ARGV[4]) == 0 then return 0 end
beat(ARGV[4])
return 1
`,
);

/**
 * Forgets and answers the nodes whose last beat is more than ARGV[4] ms old by Redis TIME. One script
 * takes them all, so each silent node goes to exactly one caller.
 */
export const CLAIM_SILENT_NODES = guarded(
  'claim-silent-nodes',
  `
local silent = redis.call('ZRANGEBYSCORE', K.beats, '-inf', string.format('(%d', now_ms() - tonumber(ARGV[4])))
for _, node in ipairs(silent) do forget(node) end
return silent
`,
);

/** Forgets node ARGV[4], which stops on purpose. */
export const DEREGISTER_NODE = guarded(
  'deregister-node',
  `
forget(ARGV[4])
return 1
`,
);

/** Every registered node's JSON, in order of first registration. */
export const LIST_NODES = unguarded(
  'list-nodes',
  `
local nodes = {}
for _, node in ipairs(redis.call('ZRANGE', K.nodeOrder, 0, -1)) do
  local json = redis.call('HGET', K.nodes, node)
  if json then nodes[#nodes + 1] = json end
end
return nodes
`,
);
