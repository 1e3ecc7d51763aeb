// What a heap holds, grouped: reads two V8 heap snapshots (v8.writeHeapSnapshot) and answers, per kind
// of object, how many more there are in the second and how many more bytes they take (self size).
// Plain objects are grouped by constructor name ("Object" for literals), V8-internal ones by their type
// and name (e.g. "hidden system / Map", "array (object elements)"), strings by their representation.
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

export interface HeapGroup {
  group: string;
  count: number;
  bytes: number;
}

function groups(file: string): Map<string, { count: number; bytes: number }> {
  const snap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const out = new Map<string, { count: number; bytes: number }>();
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + typeAt]!] ?? '?';
    const name = snap.strings[snap.nodes[i + nameAt]!] ?? '?';
    const key =
      type === 'object' || type === 'closure'
        ? `${type} ${name}`
        : type === 'string' || type === 'concatenated string' || type === 'sliced string'
          ? type
          : `${type} ${name.length > 60 ? `${name.slice(0, 60)}…` : name}`;
    const entry = out.get(key) ?? { count: 0, bytes: 0 };
    entry.count++;
    entry.bytes += snap.nodes[i + sizeAt]!;
    out.set(key, entry);
  }
  return out;
}

/** The groups that grew most from `before` to `after`, by bytes. */
export function heapGrowth(before: string, after: string, top = 15): HeapGroup[] {
  const a = groups(before);
  const b = groups(after);
  const rows: HeapGroup[] = [];
  for (const [group, { count, bytes }] of b) {
    const base = a.get(group) ?? { count: 0, bytes: 0 };
    rows.push({ group, count: count - base.count, bytes: bytes - base.bytes });
  }
  return rows.sort((x, y) => y.bytes - x.bytes).slice(0, top);
}
