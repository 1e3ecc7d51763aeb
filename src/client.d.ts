// The types of `rollcall/client` (src/client.js): those of @rollcall/client.
export * from '@rollcall/client';
