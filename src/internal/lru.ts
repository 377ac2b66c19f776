/**
 * Makes `key` the newest entry of `map` (a `Map` iterates in insertion order) and drops the oldest
 * one past `maxEntries`, in O(1). A map kept this way, in the order of each key's last update,
 * has its stale entries at the front. Every bounded store in the library (limiter, incidents,
 * budgets, the retry memo) keeps its map with it.
 */
export const setNewest = <K, V>(map: Map<K, V>, key: K, value: V, maxEntries: number): void => {
  map.delete(key)
  map.set(key, value)
  if (map.size > maxEntries) map.delete(map.keys().next().value!)
}
