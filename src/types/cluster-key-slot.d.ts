// cluster-key-slot ships no types; it is the hash-slot function ioredis itself uses.
declare module 'cluster-key-slot' {
  export default function calculateSlot(key: string | Buffer): number;
}
