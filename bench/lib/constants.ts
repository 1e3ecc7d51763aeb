// Secrets of the throwaway servers the benchmark starts (loopback only, fresh data dirs).
export const BENCH_INGEST_KEY = 'bench-ingest-key-0123456789abcdef';
export const BENCH_ADMIN_PASSWORD = 'bench-admin-password';
export const BENCH_TOKEN_SECRET = 'bench-token-secret-0123456789abcdef0123456789';
