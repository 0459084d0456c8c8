// Placeholder until the page lands in this session's slice.
export function DatasetPage() {
  return <h1>DatasetPage</h1>;
}
