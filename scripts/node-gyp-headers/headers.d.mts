// Types of headers.mjs, for the TypeScript that imports it (the packaging test).
export function headersVersion(nodedir: string): string | undefined;
export function findNodeHeaders(execPath: string, version: string): string | undefined;
