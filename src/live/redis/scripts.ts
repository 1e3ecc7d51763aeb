// The Lua scripts of the Redis live store. Each mutation is one script: it checks the epoch, changes
// state, and appends its changes to the stream in the same atomic step, so no change is ever made
// without every node hearing of it, in one order. What the entries' `d` field holds is described in
// stream-entries.ts, which reads them.
//
// Scripts never decode a session's JSON: what they must know of a session (its user, its places) the
// node states beside the expected version, and the version check makes that statement true. (Lua's
// cjson would also refuse strings that JSON.stringify writes, such as lone surrogates from a client.)
// Numbers pass as the strings the node sent or through string.format('%d'): Lua prints a seq such as
// 1760000000000123 as 1.76e+15 otherwise.
import { createHash } from 'node:crypto';
import { KEY_NAMES } from './keys.ts';

/** The message prefix of the error a guarded script answers when the stored epoch is not the caller's. */
export const EPOCH_MISMATCH = 'ROLLCALL_EPOCH';
/**
 * The message prefix of the error a guarded script answers when the stored seq is below what the
 * caller already saw of this epoch: the server lost trailing writes (a failover to a replica that
 * lagged, a restart from an old snapshot).
 */
export const SEQ_BEHIND = 'ROLLCALL_BEHIND';

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

/** Arguments every guarded script takes before its own (see GUARDED_PRELUDE). */
export const GUARD_ARGS = 4;

/**
 * Every guarded script gets ARGV[1] = the epoch the node joined, ARGV[2] = its floor (the highest seq
 * it knows this epoch reached), ARGV[3] = the stream's approximate MAXLEN, ARGV[4] = the origin of
 * what it appends (pending-mutations.ts); its own arguments follow from ARGV[5].
 * After a Redis restart without data, queued or retried commands reach an empty server and no client
 * reports an error: the epoch check is what refuses them. A server that kept the epoch but lost the
 * newest writes would hand out seqs again that nodes already announced: the floor check refuses that.
 */
const GUARDED_PRELUDE = `${PRELUDE}
local EPOCH, FLOOR, MAXLEN, ORIGIN = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
if redis.call('GET', K.epoch) ~= EPOCH then
  return redis.error_reply('${EPOCH_MISMATCH} the stored epoch is not the one this node joined')
end
if tonumber(redis.call('GET', K.seq) or '0') < tonumber(FLOOR) then
  return redis.error_reply('${SEQ_BEHIND} the stored seq is below changes this node already saw')
end

-- A stored session is '<version>:<lastActivityAt>:<profile ref>:<array>' (session-codec.ts): the
-- version for compare-and-set, the clock heartbeats move, and the session, which scripts never decode.
local function version_of(stored)
  return string.sub(stored, 1, string.find(stored, ':', 1, true) - 1)
end

-- Where the clock starts and where the profile ref starts.
local function clock_bounds(stored)
  local after_version = string.find(stored, ':', 1, true) + 1
  return after_version, string.find(stored, ':', after_version, true) + 1
end

local function activity_of(stored)
  local after_version, after_activity = clock_bounds(stored)
  return string.sub(stored, after_version, after_activity - 2)
end

local function ref_of(stored)
  local _, after_activity = clock_bounds(stored)
  return string.sub(stored, after_activity, string.find(stored, ':', after_activity, true) - 1)
end

local function stored_as(version, activity, ref, array)
  return version .. ':' .. activity .. ':' .. ref .. ':' .. array
end

-- The stored session with another lastActivityAt (the rest of it untouched).
local function with_activity(stored, activity)
  local after_version, after_activity = clock_bounds(stored)
  return string.sub(stored, 1, after_version - 1) .. activity .. ':' .. string.sub(stored, after_activity)
end

-- A session now names profile 'ref': counted, and kept the first time.
local function adopt(ref, profile)
  if redis.call('HINCRBY', K.profileRefs, ref, 1) == 1 then redis.call('HSET', K.profiles, ref, profile) end
end

-- A session no longer names profile 'ref': the last one takes the profile with it.
local function release(ref)
  if redis.call('HINCRBY', K.profileRefs, ref, -1) <= 0 then
    redis.call('HDEL', K.profileRefs, ref)
    redis.call('HDEL', K.profiles, ref)
  end
end

local function profile_of(stored)
  return redis.call('HGET', K.profiles, ref_of(stored)) or ''
end

-- Counts the user's sessions per place as one session moves from the places in 'was' to those in 'is'
-- (names in name order, joined by spaces: a place name holds none). Answers the places the user entered
-- (their first session there) and left (their last one went), each joined by spaces.
local function move_places(user, was, is)
  if was == is then return '', '' end
  local before, after, joined, left = {}, {}, {}, {}
  for name in string.gmatch(was, '%S+') do before[#before + 1] = name; before[name] = true end
  for name in string.gmatch(is, '%S+') do after[#after + 1] = name; after[name] = true end
  for _, name in ipairs(after) do
    if not before[name] and redis.call('HINCRBY', K.placeUsers, name .. ' ' .. user, 1) == 1 then joined[#joined + 1] = name end
  end
  for _, name in ipairs(before) do
    if not after[name] and redis.call('HINCRBY', K.placeUsers, name .. ' ' .. user, -1) <= 0 then
      redis.call('HDEL', K.placeUsers, name .. ' ' .. user)
      left[#left + 1] = name
    end
  end
  return table.concat(joined, ' '), table.concat(left, ' ')
end

-- How many names a list of place names joined by spaces holds.
local function place_count(names)
  local count = 0
  for _ in string.gmatch(names, '%S+') do count = count + 1 end
  return count
end

-- Takes 'count' seqs and appends one entry whose id is the first of them.
local function append(kind, count, data)
  local first = redis.call('INCRBY', K.seq, count) - count + 1
  redis.call('XADD', K.stream, 'MAXLEN', '~', MAXLEN, string.format('%d-0', first), 'k', kind, 'o', ORIGIN, 'd', data)
  return first
end

-- What a caller whose expected version was stale gets back: the session as stored, its profile, its deadline.
local function conflict(id, stored)
  return { stored, profile_of(stored), redis.call('ZSCORE', K.deadlines, id) or false }
end

local function beat(node)
  redis.call('ZADD', K.beats, string.format('%d', now_ms()), node)
end

local function forget(node)
  redis.call('HDEL', K.nodes, node)
  redis.call('ZREM', K.nodeOrder, node)
  redis.call('ZREM', K.beats, node)
end

-- An id for an entry of the change stream that takes no seq (a re-assert): after the newest entry
-- and before the next change's '<seq + 1>-0', as '<seq>-<n>' with n from 1.
local function side_id()
  local seq = redis.call('GET', K.seq) or '0'
  local n = 1
  local top = redis.call('XREVRANGE', K.stream, '+', '-', 'COUNT', 1)[1]
  if top then
    local dash = string.find(top[1], '-', 1, true)
    if string.sub(top[1], 1, dash - 1) == seq then n = tonumber(string.sub(top[1], dash + 1)) + 1 end
  end
  return seq .. '-' .. string.format('%d', n)
end

-- The larger of two clock values as stored (strings of epoch ms; false when absent).
local function later(a, b)
  if not a then return b end
  if not b then return a end
  if tonumber(b) > tonumber(a) then return b end
  return a
end
`;

const guarded = (name: string, body: string) => new LuaScript(name, `${GUARDED_PRELUDE}\n${body}`);
const unguarded = (name: string, body: string) => new LuaScript(name, `${PRELUDE}\n${body}`);

/**
 * Joins the cluster's epoch: at a node's start, and when it recovers (recovery.ts). ARGV: [1] the
 * epoch the node holds ('' at start), [2] a fresh epoch id, [3] the node's floor (the highest seq it
 * saw), [4] '1' to replace the node's epoch: the node found the stored seq below its floor (the server
 * lost writes the node saw). Replaced even if other nodes' writes took the seq past the floor since:
 * those reused seqs that were already announced, and a new epoch makes every node recover. Only while
 * the epoch is still the node's: the first node to find the loss replaces it, the others join.
 * [5] how long the re-assert window stays open (ms), [6] the stream's MAXLEN.
 *
 * Makes an epoch when there is none (or replaces it as asked), opening the re-assert window. The seq
 * never goes back: a new epoch starts at max(the stored seq, Redis TIME ms × 1000, the floor), as the
 * memory store does, so a stream client's old event id reads as too old, never as one of the new
 * changes (the TIME term grows a thousand per ms while changes take one seq each); and any node
 * joining with a floor above the seq raises it there. A raise is a 'raise' entry in the stream, so a
 * node following it sees no gap. Answers { epoch, the window's start in Redis TIME ms or false when
 * it closed, Redis TIME ms now }.
 */
export const JOIN_EPOCH = unguarded(
  'join-epoch',
  `
local mine, fresh, floor, replace, window, maxlen = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4], ARGV[5], ARGV[6]
local epoch = redis.call('GET', K.epoch)
local seq = tonumber(redis.call('GET', K.seq) or '0')
local now = now_ms()
local target = math.max(seq, floor)
if not epoch or (replace == '1' and epoch == mine) then
  epoch = fresh
  redis.call('SET', K.epoch, epoch)
  target = math.max(target, now * 1000)
  redis.call('SET', K.reassertWindow, string.format('%d', now), 'PX', window)
  redis.call('DEL', K.tombstones)
end
if target > seq then
  redis.call('SET', K.seq, string.format('%d', target))
  redis.call('XADD', K.stream, 'MAXLEN', '~', maxlen, string.format('%d-0', target), 'k', 'raise', 'o', '', 'd', string.format('%d', seq))
end
return { epoch, redis.call('GET', K.reassertWindow) or false, string.format('%d', now) }
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
 * Opens a session. ARGV[5..]: id, user id, detached ('1'/'0'), lastActivityAt, expiresAt, profile ref,
 * profile, array, places (joined by spaces). Answers the session's seq, or nil when the id
 * is live already.
 */
export const OPEN = guarded(
  'open',
  `
local id, user, detached, activity, deadline = ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9]
local ref, profile, array, places = ARGV[10], ARGV[11], ARGV[12], ARGV[13]
if redis.call('HEXISTS', K.sessions, id) == 1 then return false end
local first = redis.call('HINCRBY', K.userSessions, user, 1) == 1
local joined = move_places(user, '', places)
local seq = append('open', (first and 2 or 1) + place_count(joined), table.concat({ first and '1' or '0', profile, array, joined }, '\\n'))
redis.call('HSET', K.sessions, id, stored_as(string.format('%d', seq), activity, ref, array))
adopt(ref, profile)
redis.call('ZADD', K.deadlines, deadline, id)
if detached == '1' then redis.call('SADD', K.detached, id) end
return seq
`,
);

/**
 * Compare-and-set of sessions. ARGV[5]: the changes' time; then per session 11 values: id, expected
 * version, user id, places at that version, next detached ('1'/'0'), next lastActivityAt, next
 * expiresAt, next places, next profile ref, profile, array (places joined by spaces). Applies each whose version is the expected one; all applied are announced in one entry,
 * each session.updated followed by the place.join and place.leave its user made. Answers { first seq
 * or 0, outcomes }, an outcome per session: 'ok', 'gone', or the conflict { stored, profile, expiresAt }.
 */
export const UPDATE = guarded(
  'update',
  `
local outcomes, applied, data, changes = {}, {}, { ARGV[5] }, 0
for i = 6, #ARGV, 11 do
  local id = ARGV[i]
  local stored = redis.call('HGET', K.sessions, id)
  if not stored then
    outcomes[#outcomes + 1] = 'gone'
  elseif version_of(stored) ~= ARGV[i + 1] then
    outcomes[#outcomes + 1] = conflict(id, stored)
  else
    outcomes[#outcomes + 1] = 'ok'
    local joined, left = move_places(ARGV[i + 2], ARGV[i + 3], ARGV[i + 7])
    -- The session's version is the seq of its session.updated: 'changes' entries after the first.
    applied[#applied + 1] = { i, ref_of(stored), changes }
    changes = changes + 1 + place_count(joined) + place_count(left)
    for _, part in ipairs({ ARGV[i + 9], ARGV[i + 10], joined, left }) do data[#data + 1] = part end
  end
end
if #applied == 0 then return { 0, outcomes } end
local first = append('update', changes, table.concat(data, '\\n'))
for _, change in ipairs(applied) do
  local i, had_ref, offset = change[1], change[2], change[3]
  local id, ref = ARGV[i], ARGV[i + 8]
  redis.call('HSET', K.sessions, id, stored_as(string.format('%d', first + offset), ARGV[i + 5], ref, ARGV[i + 10]))
  if ref ~= had_ref then
    adopt(ref, ARGV[i + 9])
    release(had_ref)
  end
  redis.call('ZADD', K.deadlines, ARGV[i + 6], id)
  if ARGV[i + 4] == '1' then redis.call('SADD', K.detached, id) else redis.call('SREM', K.detached, id) end
end
return { first, outcomes }
`,
);

/**
 * Ends sessions. Per session 8 values: id, expected version, user id, places (joined by spaces) at
 * that version, the end as JSON ({reason, at, endedBy}), due by ('' or epoch ms: end it
 * only if its deadline is at or before that), and the ending node's newest activity not yet flushed
 * ('' '' or lastActivityAt, expiresAt). All ended are announced in one entry. Answers { first seq or 0, outcomes }, an outcome
 * per session: 'ok', 'gone', 'not due', or the conflict { stored, profile, expiresAt }.
 * While the re-assert window is open, an ended id is kept as a tombstone: a node re-asserting late
 * from an older view must not bring it back.
 */
export const END = guarded(
  'end',
  `
local outcomes, data, changes = {}, {}, 0
local window = redis.call('PTTL', K.reassertWindow)
for i = 5, #ARGV, 8 do
  local id, user, due_by = ARGV[i], ARGV[i + 2], ARGV[i + 5]
  local stored = redis.call('HGET', K.sessions, id)
  local activity, deadline
  if stored then
    activity = activity_of(stored)
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
    local profile = profile_of(stored)
    redis.call('HDEL', K.sessions, id)
    release(ref_of(stored))
    redis.call('ZREM', K.deadlines, id)
    redis.call('SREM', K.detached, id)
    if window > 0 then redis.call('SADD', K.tombstones, id) end
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
    local _, left = move_places(user, ARGV[i + 3], '')
    outcomes[#outcomes + 1] = 'ok'
    changes = changes + (last and 2 or 1) + place_count(left)
    for _, part in ipairs({ ARGV[i + 4], activity, deadline, last and '1' or '0', seen, stored, profile, left }) do
      data[#data + 1] = part
    end
  end
end
if changes == 0 then return { 0, outcomes } end
if window > 0 then redis.call('PEXPIRE', K.tombstones, window) end
return { append('end', changes, table.concat(data, '\\n')), outcomes }
`,
);

/** Ids of up to ARGV[6] sessions whose deadline is at or before ARGV[5], earliest first. */
export const DUE_SESSIONS = guarded(
  'due-sessions',
  `
return redis.call('ZRANGEBYSCORE', K.deadlines, '-inf', ARGV[5], 'LIMIT', 0, ARGV[6])
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
for i = 5, #ARGV, 3 do
  local id = ARGV[i]
  local stored = redis.call('HGET', K.sessions, id)
  if stored and redis.call('SISMEMBER', K.detached, id) == 0 then
    redis.call('HSET', K.sessions, id, with_activity(stored, ARGV[i + 1]))
    redis.call('ZADD', K.deadlines, ARGV[i + 2], id)
    for _, part in ipairs({ id, version_of(stored), ARGV[i + 1], ARGV[i + 2] }) do data[#data + 1] = part end
  end
end
if #data == 0 then return 0 end
redis.call('XADD', K.activityStream, 'MAXLEN', '~', ${ACTIVITY_STREAM_MAX_LENGTH}, '*', 'k', 'activity', 'o', ORIGIN, 'd', table.concat(data, '\\n'))
return #data / 4
`,
);

/** Appends changes no live session carries. ARGV[5..]: the changes as JSON. Answers the first seq. */
export const ANNOUNCE = guarded(
  'announce',
  `
if #ARGV < 5 then return 0 end
return append('announce', #ARGV - 4, table.concat(ARGV, '\\n', 5))
`,
);

/**
 * Lists a node (ARGV[5]: id, ARGV[6]: LiveNode JSON), keeping the number of its first registration,
 * and records a beat.
 */
export const REGISTER_NODE = guarded(
  'register-node',
  `
local node = ARGV[5]
redis.call('HSET', K.nodes, node, ARGV[6])
if not redis.call('ZSCORE', K.nodeOrder, node) then
  redis.call('ZADD', K.nodeOrder, redis.call('INCR', K.nodeRegistrations), node)
end
beat(node)
return 1
`,
);

/**
 * Records that node ARGV[5] is alive, at Redis TIME (nodes' clocks may disagree; Redis's is one).
 * Answers 0 when the node is not listed (it was claimed as silent meanwhile): it must register again.
 */
export const BEAT = guarded(
  'beat',
  `
if redis.call('HEXISTS', K.nodes, ARGV[5]) == 0 then return 0 end
beat(ARGV[5])
return 1
`,
);

/**
 * Forgets and answers the nodes whose last beat is more than ARGV[5] ms old by Redis TIME, but the
 * caller, ARGV[6]: a node that looks is alive, however late its own beat (a stalled start, a beat still
 * on its way). One script takes them all, so each silent node goes to exactly one caller.
 */
export const CLAIM_SILENT_NODES = guarded(
  'claim-silent-nodes',
  `
local silent = {}
for _, node in ipairs(redis.call('ZRANGEBYSCORE', K.beats, '-inf', string.format('(%d', now_ms() - tonumber(ARGV[5])))) do
  if node ~= ARGV[6] then
    forget(node)
    silent[#silent + 1] = node
  end
end
return silent
`,
);

/** Forgets node ARGV[5], which stops on purpose. */
export const DEREGISTER_NODE = guarded(
  'deregister-node',
  `
forget(ARGV[5])
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

/**
 * The first step of re-asserting sessions into a joined epoch (reassert.ts), cheap for what is there
 * already: per session 4 values: id, version, lastActivityAt, expiresAt. A session stored at that
 * version gets the later of each clock (another node may have seen a newer heartbeat, or this one),
 * and the moved clocks go out as one activity entry. Answers false when the re-assert window closed,
 * else the sessions to send in full: flat triples { position (1-based), stored or false, its profile
 * or false }, for each one absent (and not ended in this epoch) or stored at an older version.
 */
export const REASSERT_CLOCKS = guarded(
  'reassert-clocks',
  `
if redis.call('EXISTS', K.reassertWindow) == 0 then return false end
local wanted, clocks = {}, {}
for i = 5, #ARGV, 4 do
  local id, version = ARGV[i], ARGV[i + 1]
  local stored = redis.call('HGET', K.sessions, id)
  local position = (i - 5) / 4 + 1
  if not stored then
    if redis.call('SISMEMBER', K.tombstones, id) == 0 then
      for _, part in ipairs({ position, false, false }) do wanted[#wanted + 1] = part end
    end
  else
    local at = version_of(stored)
    if at == version then
      local activity, deadline = activity_of(stored), redis.call('ZSCORE', K.deadlines, id)
      local next_activity, next_deadline = later(activity, ARGV[i + 2]), later(deadline, ARGV[i + 3])
      if next_activity ~= activity or next_deadline ~= deadline then
        redis.call('HSET', K.sessions, id, with_activity(stored, next_activity))
        redis.call('ZADD', K.deadlines, next_deadline, id)
        for _, part in ipairs({ id, version, next_activity, next_deadline }) do clocks[#clocks + 1] = part end
      end
    elseif tonumber(at) < tonumber(version) then
      for _, part in ipairs({ position, stored, profile_of(stored) }) do wanted[#wanted + 1] = part end
    end
  end
end
if #clocks > 0 then
  redis.call('XADD', K.activityStream, 'MAXLEN', '~', ${ACTIVITY_STREAM_MAX_LENGTH}, '*', 'k', 'activity', 'o', ORIGIN, 'd', table.concat(clocks, '\\n'))
end
return wanted
`,
);

/**
 * The second step: sessions in full. Per session 12 values: id, version, user id, detached ('1'/'0'),
 * lastActivityAt, expiresAt, profile ref, profile, array, places (joined by spaces), and the version
 * and places the caller found stored ('' '' for none). Inserts a session that is absent and was not
 * ended in this epoch (counting it for its user, its profile and its places, announcing nothing: it was announced when it opened); replaces one still at the version found, when older; merges clocks when another
 * node put the same version there first. What changed goes out as one 'reassert' entry of the change
 * stream, which takes no seq (side_id). Answers false when the window closed, else flat triples
 * { position, stored, profile } for sessions that changed since the caller looked (to send again
 * against what is stored now).
 */
export const REASSERT_SESSIONS = guarded(
  'reassert-sessions',
  `
if redis.call('EXISTS', K.reassertWindow) == 0 then return false end
local data, again = {}, {}
-- Stores the session with its clock and tells the other nodes (a 'reassert' part: stored, profile, clock).
local function put(id, stored, deadline)
  redis.call('HSET', K.sessions, id, stored)
  redis.call('ZADD', K.deadlines, deadline, id)
  for _, part in ipairs({ stored, profile_of(stored), activity_of(stored), deadline }) do data[#data + 1] = part end
end
for i = 5, #ARGV, 12 do
  local id, version, user, detached = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  local activity, deadline, ref, profile, array = ARGV[i + 4], ARGV[i + 5], ARGV[i + 6], ARGV[i + 7], ARGV[i + 8]
  local places, found, found_places = ARGV[i + 9], ARGV[i + 10], ARGV[i + 11]
  local stored = redis.call('HGET', K.sessions, id)
  if not stored then
    if found == '' and redis.call('SISMEMBER', K.tombstones, id) == 0 then
      if detached == '1' then redis.call('SADD', K.detached, id) end
      redis.call('HINCRBY', K.userSessions, user, 1)
      move_places(user, '', places)
      adopt(ref, profile)
      put(id, stored_as(version, activity, ref, array), deadline)
    end
  else
    local at = version_of(stored)
    if at == version then
      local had_activity, had_deadline = activity_of(stored), redis.call('ZSCORE', K.deadlines, id)
      local next_activity, next_deadline = later(had_activity, activity), later(had_deadline, deadline)
      if next_activity ~= had_activity or next_deadline ~= had_deadline then put(id, with_activity(stored, next_activity), next_deadline) end
    elseif tonumber(at) < tonumber(version) then
      if at == found then
        if detached == '1' then redis.call('SADD', K.detached, id) else redis.call('SREM', K.detached, id) end
        move_places(user, found_places, places)
        local had_ref = ref_of(stored)
        if ref ~= had_ref then
          adopt(ref, profile)
          release(had_ref)
        end
        -- The newer version's deadline counts (a detach sets a grace deadline); activity is the later.
        put(id, stored_as(version, later(activity_of(stored), activity), ref, array), deadline)
      else
        for _, part in ipairs({ (i - 5) / 12 + 1, stored, profile_of(stored) }) do again[#again + 1] = part end
      end
    end
  end
end
if #data > 0 then
  redis.call('XADD', K.stream, 'MAXLEN', '~', MAXLEN, side_id(), 'k', 'reassert', 'o', ORIGIN, 'd', table.concat(data, '\\n'))
end
return again
`,
);
