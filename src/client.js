// `rollcall/client`: the SDK, which is its own package now (@rollcall/client, packages/client). This
// alias keeps applications that import it from the server's package working; the server ships the SDK
// inside itself (bundleDependencies), so it is always the version the server speaks.
export * from '@rollcall/client';
