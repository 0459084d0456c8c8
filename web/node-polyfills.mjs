// Node 20 lacks Map.groupBy and Object.groupBy (Node 21+), which the test runner's
// reporter uses when it reports a failure. Loaded with `node --import` by `npm test`.
if (typeof Map.groupBy !== "function") {
  Map.groupBy = (items, key) => {
    const groups = new Map();
    let index = 0;
    for (const item of items) {
      const k = key(item, index++);
      const group = groups.get(k);
      if (group) group.push(item);
      else groups.set(k, [item]);
    }
    return groups;
  };
}
if (typeof Object.groupBy !== "function") {
  Object.groupBy = (items, key) => {
    const groups = Object.create(null);
    let index = 0;
    for (const item of items) {
      const k = key(item, index++);
      (groups[k] ??= []).push(item);
    }
    return groups;
  };
}
